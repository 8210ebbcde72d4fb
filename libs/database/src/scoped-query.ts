/**
 * A statement that runs with a transaction-local setting (row-level security's tenant), in the
 * same round trip as the statement itself.
 *
 * Problem: row-level security policies read a setting (`current_setting('docscale.tenant_id')`)
 * that must be set for the statement's transaction only: a session setting would outlive the
 * request on a pooled connection and serve the next tenant. `BEGIN; set_config(...); <statement>;
 * COMMIT` is four round trips on the hot read; a CTE that calls set_config leaves the order of the
 * call and the policy's read to the planner.
 * Mechanism: one extended-protocol batch, `Bind/Execute` of `set_config(name, $1, true)` (a named
 * statement, parsed once per connection) then the statement's own `Parse/Bind/Describe/Execute`,
 * then one `Sync`. Everything before a Sync is one implicit transaction, so the setting holds for
 * the statement and ends with it; the two run in order, and an error in either fails both.
 * Failure mode: this subclasses node-postgres's `Query` and calls two of its undocumented methods
 * (`prepare`, `handleCommandComplete`); scoped-query.spec.ts fails if a pg release changes them.
 */
import { Connection, Pool, Query, QueryConfig, QueryResult, QueryResultRow } from 'pg';

/** The internals of pg's Query this class builds on (pg 8: lib/query.js). */
interface QueryInternals {
  prepare(connection: Connection): void;
  handleCommandComplete(msg: unknown, connection: Connection): void;
}
const base = Query.prototype as unknown as QueryInternals;

/** The setting statements each connection has parsed (by name); the next use skips the Parse. */
const parsedOn = new WeakMap<Connection, Set<string>>();

/** A setting name as `current_setting` takes it: `prefix.name`, letters, digits, underscores. */
const SETTING_NAME = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/;

export function assertSettingName(name: string): string {
  if (!SETTING_NAME.test(name)) {
    throw new Error(
      `"${name}" is not a custom setting name: use prefix.name, e.g. docscale.tenant_id`,
    );
  }
  return name;
}

export class ScopedQuery extends Query {
  /** The setting statement's CommandComplete is not the caller's result. */
  private settingDone = false;

  constructor(
    private readonly setting: string,
    private readonly value: string,
    text: string,
    values: unknown[],
  ) {
    // Extended even without parameters: pg sends a parameterless query as a simple Query
    // message, which would skip prepare() and with it the setting.
    super({ text, values, queryMode: 'extended' } as QueryConfig);
  }

  /** Called by pg with the connection corked: everything below leaves as one write. */
  prepare(connection: Connection): void {
    const statement = `docscale_scope_${this.setting}`;
    let parsed = parsedOn.get(connection);
    if (!parsed) parsedOn.set(connection, (parsed = new Set()));
    if (!parsed.has(statement)) {
      // No rows (set_config never returns null): only a CommandComplete comes back for it.
      connection.parse(
        {
          name: statement,
          text: `SELECT WHERE set_config('${this.setting}', $1, true) IS NULL`,
          types: [],
        },
        true,
      );
      parsed.add(statement);
    }
    connection.bind({ statement, values: [this.value] }, true);
    connection.execute({ portal: '' }, true);
    base.prepare.call(this, connection);
  }

  handleCommandComplete(msg: unknown, connection: Connection): void {
    if (!this.settingDone) {
      this.settingDone = true;
      return;
    }
    base.handleCommandComplete.call(this, msg, connection);
  }
}

/**
 * `sql` on `pool`, with `setting` set to `value` for its transaction when both are given (one
 * round trip either way).
 */
export function queryScoped<T extends QueryResultRow>(
  pool: Pool,
  sql: string,
  params: unknown[],
  setting: string | undefined,
  value: string | undefined,
): Promise<QueryResult<T>> {
  if (setting === undefined || value === undefined) return pool.query<T>(sql, params);
  // pg's pool resolves a submitted Query with its result; its types say it returns the query.
  return pool.query(new ScopedQuery(setting, value, sql, params)) as unknown as Promise<
    QueryResult<T>
  >;
}
