import { Global, Module } from '@nestjs/common';
import { ConfigurableCacheModule } from './cache.module-definition';
import { TieredCache } from './tiered-cache';

@Global()
@Module({ providers: [TieredCache], exports: [TieredCache] })
export class CacheModule extends ConfigurableCacheModule {}
