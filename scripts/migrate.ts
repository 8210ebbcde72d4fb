/**
 * `npm run migrate`: applies pending migrations to the primary. Safe to run from several places
 * at once (a deploy Job, the demo, the test setup): a Postgres advisory lock serialises them.
 */
import { createDataSource } from '@docscale/database';
import { migrations } from '../migrations';
import { AppConfig } from '../src/config';

const LOCK_KEY = 7_461_000_001; // arbitrary, fixed: "docscale migrations"

export async function migrate(config: AppConfig): Promise<string[]> {
  const ds = createDataSource(
    config.env.DATABASE_PRIMARY_URL,
    { entities: [], poolSize: 2, statementTimeoutMs: 600_000 },
    { migrations, migrationsTableName: 'migrations' },
  );
  await ds.initialize();
  const lock = ds.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    await lock.release();
    await ds.destroy();
  }
}

if (require.main === module) {
  migrate(AppConfig.load())
    .then((applied) => {
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
    })
    .catch((err: Error) => {
      console.error(`migration failed: ${err.message}`);
      process.exit(1);
    });
}
