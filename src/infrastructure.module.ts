import { DatabaseModule, databaseOptionsFrom } from '@docscale/database';
import { ResilienceModule, type ResilienceOptions } from '@docscale/resilience'; // pattern:breakers,rate-limit
import { rateLimitOptionsFrom } from '@docscale/resilience'; // pattern:rate-limit
// pattern:breakers:begin
import { isMemberFailure, isTimeout } from '@docscale/database';
import { breakerDefaultsFrom, breakerSettingsFrom, Breakers } from '@docscale/resilience';
// pattern:read-replicas:begin
import { CircuitOpenError } from '@docscale/resilience';
// pattern:read-replicas:end
// pattern:breakers:end
import { loggerOptionsFrom, loggerParams } from '@docscale/telemetry';
import { TelemetryModule } from '@docscale/telemetry'; // pattern:telemetry
import { Toggles } from '@docscale/toggles'; // pattern:rate-limit,read-replicas
import { TogglesModule, togglesOptionsFrom } from '@docscale/toggles';
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
        TelemetryModule.forRoot({}), // pattern:telemetry
        LoggerModule.forRoot(loggerParams(loggerOptionsFrom(env, config.service))),
        // pattern:breakers,rate-limit:begin
        ResilienceModule.forRootAsync({
          // pattern:rate-limit:begin
          inject: [Toggles],
          useFactory: (toggles: Toggles): ResilienceOptions => ({
            // pattern:rate-limit:else
            // useFactory: (): ResilienceOptions => ({
            // pattern:rate-limit:end
            ...breakerDefaultsFrom(env), // pattern:breakers
            // pattern:rate-limit:begin
            rateLimit: rateLimitOptionsFrom(env, {
              enabled: () => toggles.isOn('RATE_LIMIT'),
              redisUrl: env.REDIS_URL,
              // The tenant ApiKeyGuard put on the request: a tenant's keys share its budget.
              subject: (request) => (request as { tenant?: { id: string } }).tenant?.id,
            }),
            // pattern:rate-limit:end
          }),
        }),
        // pattern:breakers,rate-limit:end
        DatabaseModule.forRootAsync({
          inject: [
            Toggles, // pattern:read-replicas
            Breakers, // pattern:breakers
          ],
          useFactory: (
            toggles: Toggles, // pattern:read-replicas
            breakers: Breakers, // pattern:breakers
          ) =>
            databaseOptionsFrom(env, {
              entities: [DocumentEntity, TenantEntity, ApiKeyEntity, CollectionEntity],
              applicationName: `docscale-${env.INSTANCE_ID}`,
              scopeSetting: TENANT_SETTING,
              replicasEnabled: () => toggles.isOn('READ_REPLICAS'), // pattern:read-replicas
              // pattern:breakers:begin
              // Primary down: writes fail at once with 503 + Retry-After, not after a connect timeout.
              primaryCalls: breakers.create(
                'primary',
                breakerSettingsFrom(env, { isFailure: isMemberFailure, isTimeout }),
              ),
              // pattern:read-replicas:begin
              // Primary-first reads (API keys) go to a replica while the primary fails or its breaker is open.
              primaryUnavailable: (err) => err instanceof CircuitOpenError || isMemberFailure(err),
              // A replica's breaker is its place in the rotation (libs/database/src/replica-monitor.ts).
              onReplicaRotation: (name, inRotation) =>
                breakers.report(name, inRotation ? 'closed' : 'open'),
              // pattern:read-replicas:end
              // pattern:breakers:else
              // // No primaryCalls: the database lib's pass-through CallPolicy runs each statement as it
              // // comes, so a dead primary costs every write its connect timeout.
              // pattern:breakers:end
            }),
        }),
        TogglesModule.forRoot(
          togglesOptionsFrom(env, {
            // Each toggle's start value, a key of the lib whose pattern it switches.
            defaults: {
              // pattern:cache:begin
              CACHE_L1: env.CACHE_L1,
              CACHE_L2: env.CACHE_L2,
              CACHE_INVALIDATION: env.CACHE_INVALIDATION,
              // pattern:cache:end
              READ_REPLICAS: env.READ_REPLICAS, // pattern:read-replicas
              QUEUE: env.QUEUE, // pattern:queue
              RATE_LIMIT: env.RATE_LIMIT, // pattern:rate-limit
              LOAD_SHEDDING: env.LOAD_SHEDDING, // pattern:shedding
            },
            redisUrl: env.REDIS_URL,
            commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
          }),
        ),
      ],
      providers: [RowSecurityCheck],
    };
  }
}
