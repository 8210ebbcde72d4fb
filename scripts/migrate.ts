/**
 * `npm run migrate`: applies pending migrations to the primary, as the owner role
 * (DATABASE_OWNER_URL), and grants the app role (the user of DATABASE_PRIMARY_URL) what it needs
 * on the tables (app-role.ts). Safe to run from several places at once (a deploy Job, the demo,
 * the test setup): a Postgres advisory lock serialises them.
 */
import { createDataSource } from '@docscale/database';
import { migrations } from '../migrations';
import { AppConfig } from '../src/config';
import { appRoleProblems, grantDefaults, grantExisting, roleOf } from './app-role';

const LOCK_KEY = 7_461_000_001; // arbitrary, fixed: "docscale migrations"

export interface MigrateResult {
  applied: string[];
  /** What is wrong with the app role's privileges (least privilege, row-level security). */
  warnings: string[];
}

export async function migrate(config: AppConfig): Promise<MigrateResult> {
  const ds = createDataSource(
    config.env.DATABASE_OWNER_URL,
    { entities: [], poolSize: 2, statementTimeoutMs: 600_000 },
    { migrations, migrationsTableName: 'migrations' },
  );
  await ds.initialize();
  const lock = ds.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    const appRole = roleOf(config.env.DATABASE_PRIMARY_URL);
    const [{ owner }] = (await lock.query('SELECT current_user AS owner')) as { owner: string }[];
    if (appRole === owner) {
      const applied = await ds.runMigrations({ transaction: 'each' });
      const warning = `DATABASE_PRIMARY_URL connects as the owner "${owner}": the app can run DDL and row-level security does not apply to it; give it a role of its own (docs/patterns/least-privilege.md)`;
      return { applied: applied.map((m) => m.name), warnings: [warning] };
    }
    await grantDefaults(lock, appRole);
    const applied = await ds.runMigrations({ transaction: 'each' });
    await grantExisting(lock, appRole);
    return { applied: applied.map((m) => m.name), warnings: await appRoleProblems(lock, appRole) };
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    await lock.release();
    await ds.destroy();
  }
}

if (require.main === module) {
  migrate(AppConfig.load())
    .then(({ applied, warnings }) => {
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
      for (const warning of warnings) console.warn(`warning: ${warning}`);
    })
    .catch((err: Error) => {
      console.error(`migration failed: ${err.message}`);
      process.exit(1);
    });
}
