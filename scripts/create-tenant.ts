/**
 * `npm run tenant:create -- --name acme`: creates the tenant (or reuses it) and prints a new API
 * key. The key is shown once; only its SHA-256 digest is stored.
 */
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { AppConfig } from '../src/config';
import { ApiKey } from '../src/tenants/api-key';

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
    const key = ApiKey.generate();
    await client.query('BEGIN');
    const tenantId = await upsertTenant(client, name);
    await client.query(`INSERT INTO api_keys (tenant_id, key_hash, prefix) VALUES ($1, $2, $3)`, [
      tenantId,
      ApiKey.hash(key),
      ApiKey.displayPrefix(key),
    ]);
    await client.query('COMMIT');
    return { tenantId, key };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  const { values } = parseArgs({ options: { name: { type: 'string' } } });
  if (!values.name) {
    console.error('usage: npm run tenant:create -- --name <tenant name>');
    process.exit(2);
  }
  createTenant(AppConfig.load(), values.name)
    .then(({ tenantId, key }) => {
      console.log(`tenant ${values.name} (${tenantId})`);
      console.log(`API key (shown once): ${key}`);
    })
    .catch((err: Error) => {
      console.error(`could not create tenant: ${err.message}`);
      process.exit(1);
    });
}
