import { Database } from '@docscale/database';
import { Module } from '@nestjs/common';
import { AppConfig } from '../config';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { FailedAuthLimit } from './failed-auth-limit'; // pattern:rate-limit
import { KeyEvictions } from './key-evictions';
import { KeyUsage } from './key-usage';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

@Module({
  providers: [
    TenantsRepository,
    TenantsService,
    ApiKeyGuard,
    FailedAuthLimit, // pattern:rate-limit
    KeyUsage,
    ApiKeysService,
    {
      provide: ApiKeysRepository,
      inject: [Database],
      // The primary, through its breaker: key changes must commit where every lookup looks first.
      useFactory: (db: Database) => new ApiKeysRepository((sql, params) => db.query(sql, params)),
    },
    {
      provide: KeyEvictions,
      inject: [AppConfig],
      useFactory: ({ env }: AppConfig) =>
        new KeyEvictions(env.REDIS_URL, env.REDIS_COMMAND_TIMEOUT_MS),
    },
  ],
  // The guard is instantiated in each controller's module: what it injects is exported too.
  exports: [
    TenantsService,
    ApiKeyGuard,
    FailedAuthLimit, // pattern:rate-limit
    ApiKeysService,
  ],
})
export class TenantsModule {}
