import type { QueryRunner } from 'typeorm';
import { RowLevelSecurity1765300000000 } from './1765300000000-row-level-security';
import { Collections1765400000000 } from './1765400000000-collections';
import { tenantIsolation } from './tenant-isolation';

/** The statements a migration's `up` sends, in order. */
async function statements(migration: { up(q: QueryRunner): Promise<void> }): Promise<string[]> {
  const sent: string[] = [];
  await migration.up({ query: async (sql: string) => void sent.push(sql) } as QueryRunner);
  return sent;
}

// The texts as the migrations ran them before the policy had a builder: a database that applied
// them must have run exactly what the code now says they ran.
const POLICY_OF_COLLECTIONS = `CREATE POLICY tenant_isolation ON collections
         USING (tenant_id = NULLIF(current_setting('docscale.tenant_id', true), '')::uuid)`;
const policyOf = (table: string) => `CREATE POLICY tenant_isolation ON ${table}
           USING (tenant_id = NULLIF(current_setting('docscale.tenant_id', true), '')::uuid)`;

describe('tenantIsolation', () => {
  it('builds the statements the collections migration ran, byte for byte', () => {
    expect(tenantIsolation('collections')).toEqual([
      'ALTER TABLE collections ENABLE ROW LEVEL SECURITY',
      POLICY_OF_COLLECTIONS,
    ]);
  });

  it('leaves what the collections migration runs unchanged', async () => {
    const sent = await statements(new Collections1765400000000());
    expect(sent.slice(-2)).toEqual([
      'ALTER TABLE collections ENABLE ROW LEVEL SECURITY',
      POLICY_OF_COLLECTIONS,
    ]);
    expect(sent).toHaveLength(4); // the table, its index, then the two above
  });

  it('leaves what the row-level security migration runs unchanged', async () => {
    const sent = await statements(new RowLevelSecurity1765300000000());
    expect(sent.slice(0, 4)).toEqual([
      'ALTER TABLE documents ENABLE ROW LEVEL SECURITY',
      policyOf('documents'),
      'ALTER TABLE document_exports ENABLE ROW LEVEL SECURITY',
      policyOf('document_exports'),
    ]);
  });
});
