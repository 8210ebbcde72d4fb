import { ConfigurableModuleBuilder } from '@nestjs/common';
import { QueueOptions } from './queue.options';

export const {
  ConfigurableModuleClass: ConfigurableQueueModule,
  MODULE_OPTIONS_TOKEN: QUEUE_OPTIONS,
} = new ConfigurableModuleBuilder<QueueOptions>().setClassMethodName('forRoot').build();
