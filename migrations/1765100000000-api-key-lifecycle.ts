import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API key lifecycle (src/tenants/api-keys.repository.ts): a rotated key's end of overlap, when a
 * key was last used (recorded coarsely, at most once per key per instance per
 * AUTH_LAST_USED_INTERVAL_MS), and the index a tenant's key listing reads.
 */
export class ApiKeyLifecycle1765100000000 implements MigrationInterface {
  name = 'ApiKeyLifecycle1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys ADD COLUMN expires_at timestamptz`);
    await q.query(`ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz`);
    await q.query(`CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX api_keys_tenant`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN last_used_at`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN expires_at`);
  }
}
