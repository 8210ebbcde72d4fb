import { Logger } from '@nestjs/common';
import { Database } from './database';
import { DatabaseOptions } from './database.options';

/** The local stack's primary (scripts/stack.sh, whose URLs npm test exports). */
export const PRIMARY_URL =
  process.env.DATABASE_PRIMARY_URL ?? 'postgres://docscale:docscale@127.0.0.1:55432/docscale';
/** Nothing listens there: a member that is down. */
export const CLOSED_PORT_URL = 'postgres://docscale:docscale@127.0.0.1:1/docscale';

/**
 * `connect(options)` for a spec file: a Database on the local stack, initialised, with small
 * pools; every one it made is shut down after the file's tests.
 */
export function specDatabases(): (options?: Partial<DatabaseOptions>) => Promise<Database> {
  const created: Database[] = [];
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(async () => {
    await Promise.all(created.map((db) => db.onApplicationShutdown()));
  });
  return async (options = {}) => {
    const db = new Database({
      primaryUrl: PRIMARY_URL,
      replicaUrls: [], // pattern:read-replicas
      entities: [],
      poolSize: 2,
      connectTimeoutMs: 1000,
      applicationName: 'docscale-database-spec',
      tokenSecret: 'database-spec-secret',
      ...options,
    });
    created.push(db);
    await db.onModuleInit();
    return db;
  };
}
