import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Collections: the second tenant resource, written the Nest way (a TypeORM entity and
 * repository, src/collections/). Its rows belong to one tenant, so it gets the same row-level
 * security policy as documents (1765300000000-row-level-security.ts): the app role sees and
 * writes only the rows of the tenant its transaction is scoped to.
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
    await q.query(`ALTER TABLE collections ENABLE ROW LEVEL SECURITY`);
    await q.query(
      `CREATE POLICY tenant_isolation ON collections
         USING (tenant_id = NULLIF(current_setting('docscale.tenant_id', true), '')::uuid)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE collections`);
  }
}
