// pattern:cache:begin
import { CacheModule, cacheOptionsFrom, type CacheOptions } from '@docscale/cache';
import { Breakers } from '@docscale/resilience'; // pattern:breakers
import { Toggles } from '@docscale/toggles';
// pattern:cache:end
import { QueueModule } from '@docscale/queue'; // pattern:queue
import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { CollectionsModule } from './collections/collections.module';
import { AppConfig } from './config';
import { DocumentsModule } from './documents/documents.module';
import { HealthModule } from './health/health.module';
import { InfrastructureModule } from './infrastructure.module';
import { queueOptions } from './documents/jobs/queue-options'; // pattern:queue
import { ProblemTypesController } from './problems/problem-types.controller';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        InfrastructureModule.forRoot(config),
        // pattern:cache:begin
        CacheModule.forRootAsync({
          // pattern:breakers:begin
          inject: [Toggles, Breakers],
          useFactory: (toggles: Toggles, breakers: Breakers) =>
            cacheOptions(config, toggles, breakers),
          // pattern:breakers:else
          // inject: [Toggles],
          // useFactory: (toggles: Toggles) => cacheOptions(config, toggles),
          // pattern:breakers:end
        }),
        // pattern:cache:end
        QueueModule.forRoot(queueOptions(config, { relay: true })), // pattern:queue
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

// pattern:cache:begin
// pattern:breakers:begin
function cacheOptions({ env }: AppConfig, toggles: Toggles, breakers: Breakers): CacheOptions {
  breakers.report('redis-cache', 'closed');
  // pattern:breakers:else
  // function cacheOptions({ env }: AppConfig, toggles: Toggles): CacheOptions {
  // pattern:breakers:end
  return cacheOptionsFrom(env, {
    redisUrl: env.REDIS_URL,
    l1Enabled: () => toggles.isOn('CACHE_L1'),
    l2Enabled: () => toggles.isOn('CACHE_L2'),
    invalidationEnabled: () => toggles.isOn('CACHE_INVALIDATION'),
    onBreakerState: (state) => breakers.report('redis-cache', state), // pattern:breakers
  });
}
// pattern:cache:end
