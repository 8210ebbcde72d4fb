/**
 * Row-level security for a table whose rows belong to one tenant (a `tenant_id` column): the app
 * role sees and writes only the rows whose tenant is the transaction-local setting the database
 * lib sets to each statement's scope (src/tenants/tenant-scope.ts). Unset, or empty as a
 * transaction-local setting leaves it afterwards, it matches no row: a statement that forgot its
 * scope finds nothing rather than everything. USING also serves as WITH CHECK: a row written for
 * another tenant is refused. A new tenant table's migration runs `tenantIsolation(table)`.
 *
 * What a migration ran is history: these are the statements the migrations that use them have
 * run, byte for byte (tenant-isolation.spec.ts); a different policy is a new builder and a new
 * migration, never an edit here.
 */

/** The policy's condition: the row's tenant is the statement's scope. */
export const TENANT_MATCH = `tenant_id = NULLIF(current_setting('docscale.tenant_id', true), '')::uuid`;

/** The statements that put `table` under the tenant policy, in order. */
export function tenantIsolation(table: string): string[] {
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `CREATE POLICY tenant_isolation ON ${table}\n         USING (${TENANT_MATCH})`,
  ];
}
