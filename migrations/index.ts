import { InitialSchema1763900000000 } from './1763900000000-initial-schema';
import { JobOutbox1764000000000 } from './1764000000000-job-outbox';
import { UnindexedDocuments1764100000000 } from './1764100000000-unindexed-documents';
import { ApiKeyLifecycle1765100000000 } from './1765100000000-api-key-lifecycle';
import { TenantUsage1765233000000 } from './1765233000000-tenant-usage';
import { RowLevelSecurity1765300000000 } from './1765300000000-row-level-security';
import { Collections1765400000000 } from './1765400000000-collections';

/** Every migration, oldest first. A new migration file is added here too. */
export const migrations = [
  InitialSchema1763900000000,
  JobOutbox1764000000000,
  UnindexedDocuments1764100000000,
  ApiKeyLifecycle1765100000000,
  TenantUsage1765233000000,
  RowLevelSecurity1765300000000,
  Collections1765400000000,
];
