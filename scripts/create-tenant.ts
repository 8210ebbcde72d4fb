/**
 * `npm run tenant:create acme` (or `-- --name acme`): creates the tenant (or reuses it) and prints
 * a new API key. The key is shown once; only its SHA-256 digest is stored. `npm run key` manages
 * the keys after that (list, revoke, rotate).
 */
import { Client } from 'pg';
import { AppConfig } from '../src/config';
import { ApiKeysRepository } from '../src/tenants/api-keys.repository';
import { exitWithUsage, parseCommandLine } from './command-line';

const USAGE = `usage: npm run tenant:create <tenant name>
       npm run tenant:create -- --name <tenant name>

Creates the tenant if the name is new (safe to repeat) and prints a new API key for it, once.`;

/** The tenant's id, creating the tenant if the name is new (safe to repeat). */
export async function upsertTenant(client: Client, name: string): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO tenants (name) VALUES ($1)
     ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [name],
  );
  return rows[0].id;
}

export async function createTenant(
  config: AppConfig,
  name: string,
): Promise<{ tenantId: string; key: string }> {
  const client = new Client({ connectionString: config.env.DATABASE_PRIMARY_URL });
  await client.connect();
  try {
    await client.query('BEGIN');
    const tenantId = await upsertTenant(client, name);
    const keys = new ApiKeysRepository(
      async (sql, params) => (await client.query(sql, params)).rows,
    );
    const issued = await keys.create(name);
    await client.query('COMMIT');
    return { tenantId, key: issued!.key };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  const { values, positionals } = parseCommandLine(USAGE, { name: { type: 'string' } });
  const names = [...positionals, ...(values.name === undefined ? [] : [values.name])];
  if (names.length !== 1 || names[0].trim() === '') {
    exitWithUsage(USAGE, names.length ? 'give one tenant name' : 'which tenant?');
  }
  const name = names[0];
  Promise.resolve()
    .then(() => createTenant(AppConfig.load(), name))
    .then(({ tenantId, key }) => {
      console.log(`tenant ${name} (${tenantId})`);
      console.log(`API key (shown once): ${key}`);
    })
    .catch((err: Error) => {
      console.error(`could not create tenant: ${err.message}`);
      process.exit(1);
    });
}
