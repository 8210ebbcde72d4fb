// pattern:breakers,rate-limit:begin
import { ConfigurableModuleBuilder } from '@nestjs/common';
import { ResilienceOptions } from './resilience.options';

export const {
  ConfigurableModuleClass: ConfigurableResilienceModule,
  MODULE_OPTIONS_TOKEN: RESILIENCE_OPTIONS,
} = new ConfigurableModuleBuilder<ResilienceOptions>().setClassMethodName('forRoot').build();
// pattern:breakers,rate-limit:end
