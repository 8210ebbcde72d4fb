import { DatabaseModule, isMemberFailure, isTimeout } from '@docscale/database';
import { Breakers, CircuitOpenError, ResilienceModule } from '@docscale/resilience';
import { loggerParams, TelemetryModule } from '@docscale/telemetry';
import { Toggles, TogglesModule } from '@docscale/toggles';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { CollectionEntity } from './collections/collection.entity';
import { AppConfig, ConfigModule } from './config';
import { DocumentEntity } from './documents/document.entity';
import { ApiKeyEntity } from './tenants/api-key.entity';
import { TenantEntity } from './tenants/tenant.entity';
import { RowSecurityCheck, TENANT_SETTING } from './tenants/tenant-scope';

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
        ResilienceModule.forRootAsync({
          inject: [Toggles],
          useFactory: (toggles: Toggles) => ({
            breakerThreshold: env.BREAKER_THRESHOLD,
            breakerHalfOpenMs: env.BREAKER_HALF_OPEN_MS,
            rateLimit: {
              enabled: () => toggles.isOn('RATE_LIMIT'),
              redisUrl: env.REDIS_URL,
              keyPrefix: env.RATE_LIMIT_KEY_PREFIX,
              redisTimeoutMs: env.RATE_LIMIT_REDIS_TIMEOUT_MS,
              windowMs: env.RATE_LIMIT_WINDOW_MS,
              limits: {
                reads: env.RATE_LIMIT_READS,
                writes: env.RATE_LIMIT_WRITES,
                exports: env.RATE_LIMIT_EXPORTS,
                'auth-failures': env.RATE_LIMIT_AUTH_FAILURES,
              },
              windowsMs: { 'auth-failures': env.RATE_LIMIT_AUTH_FAILURES_WINDOW_MS },
              onRedisDown: env.RATE_LIMIT_ON_REDIS_DOWN,
              instances: env.RATE_LIMIT_INSTANCES,
              leaseShare: env.RATE_LIMIT_LEASE_SHARE,
              leaseMs: env.RATE_LIMIT_LEASE_MS,
              // The tenant ApiKeyGuard put on the request: a tenant's keys share its budget.
              subject: (request) => (request as { tenant?: { id: string } }).tenant?.id,
            },
          }),
        }),
        DatabaseModule.forRootAsync({
          inject: [Toggles, Breakers],
          useFactory: (toggles: Toggles, breakers: Breakers) => ({
            primaryUrl: env.DATABASE_PRIMARY_URL,
            replicaUrls: env.DATABASE_REPLICA_URLS,
            entities: [DocumentEntity, TenantEntity, ApiKeyEntity, CollectionEntity],
            poolSize: env.DATABASE_POOL_SIZE,
            statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
            connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
            applicationName: `docscale-${env.INSTANCE_ID}`,
            scopeSetting: env.DATABASE_RLS ? TENANT_SETTING : undefined,
            tokenSecret: env.CONSISTENCY_TOKEN_SECRET,
            tokenPreviousSecrets: env.CONSISTENCY_TOKEN_PREVIOUS_SECRETS,
            tokenTtlMs: env.CONSISTENCY_TOKEN_TTL_MS,
            readConsistency: env.READ_CONSISTENCY,
            readWindowMs: env.READ_WINDOW_MS,
            replicaSelection: env.REPLICA_SELECTION,
            replicaMaxLagMs: env.REPLICA_MAX_LAG_MS,
            replicaLagPollMs: env.REPLICA_LAG_POLL_MS,
            replicasEnabled: () => toggles.isOn('READ_REPLICAS'),
            // Primary down: writes fail at once with 503 + Retry-After, not after a connect timeout.
            primaryCalls: breakers.create('primary', {
              threshold: env.BREAKER_THRESHOLD,
              halfOpenMs: env.BREAKER_HALF_OPEN_MS,
              isFailure: isMemberFailure,
              isTimeout,
            }),
            // Primary-first reads (API keys) go to a replica while the primary fails or its breaker is open.
            primaryUnavailable: (err) => err instanceof CircuitOpenError || isMemberFailure(err),
            // A replica's breaker is its place in the rotation (libs/database/src/replica-monitor.ts).
            onReplicaRotation: (name, inRotation) =>
              breakers.report(name, inRotation ? 'closed' : 'open'),
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
            LOAD_SHEDDING: env.LOAD_SHEDDING,
          },
          redisUrl: env.REDIS_URL,
          syncIntervalMs: env.TOGGLE_SYNC_INTERVAL_MS,
          commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
          keyPrefix: env.TOGGLES_KEY_PREFIX,
        }),
      ],
      providers: [RowSecurityCheck],
    };
  }
}
