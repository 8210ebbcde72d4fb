import { queueMigrations } from '@docscale/queue';
import { InitialSchema1763900000000 } from './1763900000000-initial-schema';
import { DocumentExports1764000000001 } from './1764000000001-document-exports';
import { UnindexedDocuments1764100000000 } from './1764100000000-unindexed-documents';
import { ApiKeyLifecycle1765100000000 } from './1765100000000-api-key-lifecycle';
import { TenantUsage1765233000000 } from './1765233000000-tenant-usage';
import { RowLevelSecurity1765300000000 } from './1765300000000-row-level-security';
import { Collections1765400000000 } from './1765400000000-collections';

/**
 * Every migration: the app's, and each lib's own (a lib that owns a table owns its migration).
 * TypeORM runs them in timestamp order. A new migration file is added here, or to its lib's list.
 */
export const migrations = [
  InitialSchema1763900000000,
  ...queueMigrations, // the outbox (1764000000000)
  DocumentExports1764000000001,
  UnindexedDocuments1764100000000,
  ApiKeyLifecycle1765100000000,
  TenantUsage1765233000000,
  RowLevelSecurity1765300000000,
  Collections1765400000000,
];
