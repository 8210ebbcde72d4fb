import { MigrationInterface, QueryRunner } from 'typeorm';
import { TENANT_MATCH } from './tenant-isolation';

/** Tables whose rows belong to one tenant (a `tenant_id` column): each gets the same policy. */
const TENANT_TABLES = ['documents', 'document_exports'];

/**
 * Row-level security on the tenant tables, as defence in depth behind the repositories' WHERE
 * clauses (docs/patterns/least-privilege.md): the app role sees and writes only the rows of the
 * tenant its statement is scoped to, the transaction-local setting `docscale.tenant_id`. Unset
 * (or empty, as a transaction-local setting leaves it afterwards), it matches no row: a statement
 * that forgot its scope finds nothing rather than everything.
 *
 * The owner is not subject to it (no FORCE ROW LEVEL SECURITY): migrations and the view below
 * see every row, and the app role owns nothing, so the policies always apply to it.
 */
export class RowLevelSecurity1765300000000 implements MigrationInterface {
  name = 'RowLevelSecurity1765300000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of TENANT_TABLES) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      // USING also serves as WITH CHECK: a row written for another tenant is refused. (Indented
      // as this migration ran it: tenantIsolation(), for later tables, differs in whitespace.)
      await q.query(
        `CREATE POLICY tenant_isolation ON ${table}\n           USING (${TENANT_MATCH})`,
      );
    }
    // The index reconciler's sweep reads across tenants (index-reconciler.ts). It reads this
    // view, which runs with its owner's rights (so no policy applies) and shows no content: ids,
    // versions and when they changed, of documents whose index lags their version. A view is
    // inlined, so the sweep keeps using the documents_unindexed partial index.
    await q.query(
      `CREATE VIEW unindexed_documents AS
         SELECT id, tenant_id, version, updated_at FROM documents
          WHERE indexed_version IS DISTINCT FROM version`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW unindexed_documents`);
    for (const table of TENANT_TABLES) {
      await q.query(`DROP POLICY tenant_isolation ON ${table}`);
      await q.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    }
  }
}
