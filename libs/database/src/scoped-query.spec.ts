import { Pool } from 'pg';
import { Database } from './database';
import { assertSettingName, queryScoped } from './scoped-query';

// The real local stack (scripts/stack.sh): the setting's lifetime is the server's doing.
const PRIMARY_URL =
  process.env.DATABASE_PRIMARY_URL ??
  'postgres://docscale_app:docscale_app@127.0.0.1:55432/docscale';
const SETTING = 'docscale_spec.scope';
const READ = `SELECT current_setting('${SETTING}', true) AS v`;

describe('queryScoped', () => {
  // One connection: every statement below runs on the same session, as a pooled request would.
  const pool = new Pool({ connectionString: PRIMARY_URL, max: 1 });
  afterAll(() => pool.end());

  const value = async (sql: string, params: unknown[], scope?: string) =>
    (await queryScoped<{ v: string | null }>(pool, sql, params, scope && SETTING, scope)).rows[0]
      ?.v;

  it('sets the setting for the statement it runs with', async () => {
    expect(await value(`${READ} WHERE $1::int = 1`, [1], 'tenant-a')).toBe('tenant-a');
  });

  it('sets it for a statement without parameters too (pg would send it as a simple query)', async () => {
    expect(await value(READ, [], 'tenant-b')).toBe('tenant-b');
  });

  it('does not leave the setting on the connection for the next statement', async () => {
    await value(READ, [], 'tenant-c');
    expect(await value(READ, [])).toBe(''); // a custom setting once set reads '' after its transaction
  });

  it('gives each statement on one connection its own value', async () => {
    const seen = [];
    for (const scope of ['t1', 't2', 't3']) seen.push(await value(READ, [], scope));
    expect(seen).toEqual(['t1', 't2', 't3']);
  });

  it('keeps a second setting name apart on the same connection', async () => {
    const other = `SELECT current_setting('docscale_spec.other', true) AS v`;
    await value(READ, [], 'first');
    const { rows } = await queryScoped<{ v: string }>(pool, other, [], 'docscale_spec.other', 'o');
    expect(rows).toEqual([{ v: 'o' }]);
    expect(await value(READ, [], 'again')).toBe('again');
  });

  it('returns only the statement’s rows and row count', async () => {
    const result = await queryScoped(
      pool,
      'SELECT g FROM generate_series(1, $1::int) g',
      [3],
      SETTING,
      'x',
    );
    expect(result.rows).toEqual([{ g: 1 }, { g: 2 }, { g: 3 }]);
    expect(result.rowCount).toBe(3);
  });

  it('fails with the statement’s error, and the connection serves the next statement', async () => {
    await expect(value('SELECT no_such_column', [], 'tenant-d')).rejects.toThrow(/no_such_column/);
    expect(await value(READ, [], 'tenant-e')).toBe('tenant-e');
  });
});

describe('Database with a scope setting', () => {
  const connect = (scopeSetting?: string) =>
    new Database({
      primaryUrl: PRIMARY_URL,
      // pattern:read-replicas:begin
      replicaUrls: [],
      // pattern:read-replicas:end
      entities: [],
      poolSize: 1,
      tokenSecret: 'scoped-query-spec-secret',
      scopeSetting,
    });
  const dbs: Database[] = [];
  afterAll(() => Promise.all(dbs.map((d) => d.onApplicationShutdown())));

  it('runs query() and execute() in their scope', async () => {
    const db = connect(SETTING);
    dbs.push(db);
    await db.onModuleInit();
    expect(await db.query(READ, [], 'q')).toEqual([{ v: 'q' }]);
    expect((await db.execute(READ, [], 'e')).rows).toEqual([{ v: 'e' }]);
  });

  it('ignores the scope without a scope setting (DATABASE_RLS=off)', async () => {
    const db = connect(undefined);
    dbs.push(db);
    await db.onModuleInit();
    expect(await db.query(READ, [], 'ignored')).toEqual([{ v: null }]);
  });

  it('refuses a setting name that is not prefix.name', () => {
    expect(() => connect("x'); DROP TABLE documents; --")).toThrow(/not a custom setting name/);
    expect(assertSettingName('docscale.tenant_id')).toBe('docscale.tenant_id');
  });
});
