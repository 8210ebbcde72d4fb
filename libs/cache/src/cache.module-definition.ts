import { ConfigurableModuleBuilder } from '@nestjs/common';
import { CacheOptions } from './cache.options';

export const {
  ConfigurableModuleClass: ConfigurableCacheModule,
  MODULE_OPTIONS_TOKEN: CACHE_OPTIONS,
} = new ConfigurableModuleBuilder<CacheOptions>().setClassMethodName('forRoot').build();

/** Optional provider replacing the Redis level (unit tests). */
export const L2_STORE = Symbol('L2_STORE');
