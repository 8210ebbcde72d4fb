import { DatabaseModule } from '@docscale/database';
import { loggerParams, TelemetryModule } from '@docscale/telemetry';
import { Toggles, TogglesModule } from '@docscale/toggles';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig, ConfigModule } from './config';
import { DocumentEntity } from './documents/document.entity';
import { ApiKeyEntity } from './tenants/api-key.entity';
import { TenantEntity } from './tenants/tenant.entity';

/** The pattern libs, wired from the validated config; shared by the API and the worker. */
@Module({})
export class InfrastructureModule {
  static forRoot(config: AppConfig): DynamicModule {
    const env = config.env;
    return {
      module: InfrastructureModule,
      imports: [
        ConfigModule.forRoot(config),
        TelemetryModule.forRoot({}),
        LoggerModule.forRoot(loggerParams({ level: env.LOG_LEVEL, httpLogs: env.LOG_HTTP })),
        DatabaseModule.forRootAsync({
          inject: [Toggles],
          useFactory: (toggles: Toggles) => ({
            primaryUrl: env.DATABASE_PRIMARY_URL,
            replicaUrls: env.DATABASE_REPLICA_URLS,
            entities: [DocumentEntity, TenantEntity, ApiKeyEntity],
            poolSize: env.DATABASE_POOL_SIZE,
            statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
            connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
            applicationName: `docscale-${env.INSTANCE_ID}`,
            tokenSecret: env.CONSISTENCY_TOKEN_SECRET,
            readConsistency: env.READ_CONSISTENCY,
            readWindowMs: env.READ_WINDOW_MS,
            replicaSelection: env.REPLICA_SELECTION,
            replicaMaxLagMs: env.REPLICA_MAX_LAG_MS,
            replicaLagPollMs: env.REPLICA_LAG_POLL_MS,
            replicasEnabled: () => toggles.isOn('READ_REPLICAS'),
          }),
        }),
        TogglesModule.forRoot({
          defaults: {
            CACHE_L1: env.CACHE_L1,
            CACHE_L2: env.CACHE_L2,
            CACHE_INVALIDATION: env.CACHE_INVALIDATION,
            READ_REPLICAS: env.READ_REPLICAS,
            QUEUE: env.QUEUE,
            RATE_LIMIT: env.RATE_LIMIT,
          },
          redisUrl: env.REDIS_URL,
          syncIntervalMs: env.TOGGLE_SYNC_INTERVAL_MS,
          commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
          keyPrefix: env.TOGGLES_KEY_PREFIX,
        }),
      ],
    };
  }
}
