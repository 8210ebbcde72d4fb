import { ConfigurableModuleBuilder } from '@nestjs/common';
import { TogglesOptions } from './toggles.options';

export const {
  ConfigurableModuleClass: ConfigurableTogglesModule,
  MODULE_OPTIONS_TOKEN: TOGGLES_OPTIONS,
} = new ConfigurableModuleBuilder<TogglesOptions>().setClassMethodName('forRoot').build();
