import { CacheModule, cacheOptionsFrom, type CacheOptions } from '@docscale/cache';
import { QueueModule } from '@docscale/queue';
import { Breakers } from '@docscale/resilience';
import { Toggles } from '@docscale/toggles';
import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { CollectionsModule } from './collections/collections.module';
import { AppConfig } from './config';
import { DocumentsModule } from './documents/documents.module';
import { HealthModule } from './health/health.module';
import { InfrastructureModule } from './infrastructure.module';
import { queueOptions } from './documents/jobs/queue-options';
import { ProblemTypesController } from './problems/problem-types.controller';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        InfrastructureModule.forRoot(config),
        CacheModule.forRootAsync({
          inject: [Toggles, Breakers],
          useFactory: (toggles: Toggles, breakers: Breakers) =>
            cacheOptions(config, toggles, breakers),
        }),
        QueueModule.forRoot(queueOptions(config, { relay: true })),
        DocumentsModule,
        CollectionsModule,
        AdminModule,
        HealthModule,
      ],
      // The pages problem `type` URIs resolve to.
      controllers: [ProblemTypesController],
    };
  }
}

function cacheOptions({ env }: AppConfig, toggles: Toggles, breakers: Breakers): CacheOptions {
  breakers.report('redis-cache', 'closed');
  return cacheOptionsFrom(env, {
    redisUrl: env.REDIS_URL,
    l1Enabled: () => toggles.isOn('CACHE_L1'),
    l2Enabled: () => toggles.isOn('CACHE_L2'),
    invalidationEnabled: () => toggles.isOn('CACHE_INVALIDATION'),
    onBreakerState: (state) => breakers.report('redis-cache', state),
  });
}
