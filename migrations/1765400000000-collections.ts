import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantIsolation } from './tenant-isolation';

/**
 * Collections: the second tenant resource, written the Nest way (a TypeORM entity and
 * repository, src/collections/). Its rows belong to one tenant, so it gets the same row-level
 * security policy as documents (tenant-isolation.ts): the app role sees and writes only the rows
 * of the tenant its transaction is scoped to.
 */
export class Collections1765400000000 implements MigrationInterface {
  name = 'Collections1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE collections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        version integer NOT NULL DEFAULT 1,
        -- Milliseconds, what a JavaScript Date holds: the entity's times are then exact, and so
        -- is the listing's keyset cursor built from them.
        created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
      )`);
    // The listing's keyset order, per tenant.
    await q.query(
      `CREATE INDEX collections_tenant_created ON collections (tenant_id, created_at DESC, id DESC)`,
    );
    for (const statement of tenantIsolation('collections')) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE collections`);
  }
}
