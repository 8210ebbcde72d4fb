import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import request from 'supertest';
import { AppConfig } from '../../src/config';
import { spawnProcess, startInstances, stopAll } from '../helpers/instances';
// pattern:read-replicas:begin
import { pollUntil } from '../helpers/poll';
// pattern:read-replicas:end
import { newTenant } from '../helpers/tenants';

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');

/**
 * Least privilege in Postgres (docs/patterns/least-privilege.md): the processes connect as an app
 * role that owns nothing and cannot run DDL, migrations run as the owner, and row-level security
 * keeps a statement to its tenant's rows even where its WHERE clause forgot the tenant.
 */
describe('least privilege in Postgres', () => {
  const env = AppConfig.load().env;
  const appRole = decodeURIComponent(new URL(env.DATABASE_PRIMARY_URL).username);
  const ownerRole = decodeURIComponent(new URL(env.DATABASE_OWNER_URL).username);
  let app: Client;
  let owner: Client;
  let a: string;
  let b: string;

  beforeAll(async () => {
    app = new Client({ connectionString: env.DATABASE_PRIMARY_URL });
    owner = new Client({ connectionString: env.DATABASE_OWNER_URL });
    await Promise.all([app.connect(), owner.connect()]);
    [a, b] = (await Promise.all([newTenant('rls-a'), newTenant('rls-b')])).map((t) => t.tenantId);
    // Written as the owner: fixtures, not the code under test.
    await owner.query(
      `INSERT INTO documents (tenant_id, title, body) VALUES ($1, 'of a', 'a'), ($2, 'of b', 'b')`,
      [a, b],
    );
  });
  afterAll(async () => {
    await Promise.all([app.end(), owner.end()]);
  });

  /** Every tenant the statement saw, run as the app role in one transaction with `tenant` set. */
  async function tenantsSeen(tenant: string | undefined, sql: string): Promise<string[]> {
    await app.query('BEGIN');
    try {
      if (tenant) await app.query(`SELECT set_config('docscale.tenant_id', $1, true)`, [tenant]);
      const { rows } = await app.query<{ tenant_id: string }>(sql);
      return [...new Set(rows.map((r) => r.tenant_id))];
    } finally {
      await app.query('ROLLBACK');
    }
  }
  const EVERY_DOCUMENT = 'SELECT tenant_id FROM documents'; // no WHERE: the bug RLS catches

  describe('the app role', () => {
    it('is not the owner the migrations ran as, and owns no table, view or sequence', async () => {
      expect(appRole).not.toBe(ownerRole);
      const { rows } = await owner.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
          WHERE r.rolname = $1`,
        [appRole],
      );
      expect(rows[0].n).toBe(0);
    });

    it('cannot create a table: permission denied', async () => {
      await expect(app.query('CREATE TABLE least_privilege_probe (id int)')).rejects.toThrow(
        /permission denied/,
      );
    });

    it('cannot create a temporary table or a schema either', async () => {
      await expect(app.query('CREATE TEMP TABLE least_privilege_probe (id int)')).rejects.toThrow(
        /permission denied/,
      );
      await expect(app.query('CREATE SCHEMA least_privilege_probe')).rejects.toThrow(
        /permission denied/,
      );
    });

    it('cannot alter or drop a table it reads and writes', async () => {
      await expect(app.query('ALTER TABLE documents ADD COLUMN probe int')).rejects.toThrow(
        /must be owner/,
      );
      await expect(app.query('DROP TABLE outbox')).rejects.toThrow(/must be owner/);
    });

    it('cannot read or write the migrations bookkeeping', async () => {
      await expect(app.query('SELECT * FROM migrations')).rejects.toThrow(/permission denied/);
    });
  });

  describe('row-level security', () => {
    it("shows tenant A's statement without a WHERE clause none of tenant B's rows", async () => {
      expect(await tenantsSeen(a, EVERY_DOCUMENT)).toEqual([a]);
    });

    it('shows a statement without the tenant setting no rows at all', async () => {
      expect(await tenantsSeen(undefined, EVERY_DOCUMENT)).toEqual([]);
    });

    it("refuses a row written for another tenant than the statement's", async () => {
      await expect(
        tenantsSeen(a, `INSERT INTO documents (tenant_id, title, body) VALUES ('${b}', 'x', 'x')`),
      ).rejects.toThrow(/row-level security/);
    });

    it("lets an UPDATE without a WHERE clause change none of another tenant's rows", async () => {
      await app.query('BEGIN');
      try {
        await app.query(`SELECT set_config('docscale.tenant_id', $1, true)`, [a]);
        const { rowCount } = await app.query(`UPDATE documents SET title = title`);
        const { rows } = await owner.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM documents WHERE tenant_id = $1',
          [a],
        );
        expect(rowCount).toBe(rows[0].n);
      } finally {
        await app.query('ROLLBACK');
      }
    });

    it('does not hold for the owner, which it does not apply to (the negative control)', async () => {
      const { rows } = await owner.query<{ tenant_id: string }>(
        `SELECT DISTINCT tenant_id FROM documents WHERE tenant_id = ANY($1::uuid[])`,
        [[a, b]],
      );
      expect(rows.map((r) => r.tenant_id).sort()).toEqual([a, b].sort());
    });

    // pattern:read-replicas:begin
    it('holds on the replica too (policies replicate with the schema)', async () => {
      const replica = new Client({ connectionString: env.DATABASE_REPLICA_URLS[0] });
      await replica.connect();
      const seen = async (tenant?: string) => {
        await replica.query('BEGIN');
        try {
          if (tenant)
            await replica.query(`SELECT set_config('docscale.tenant_id', $1, true)`, [tenant]);
          const { rows } = await replica.query<{ tenant_id: string }>(EVERY_DOCUMENT);
          return [...new Set(rows.map((r) => r.tenant_id))];
        } finally {
          await replica.query('ROLLBACK');
        }
      };
      try {
        await pollUntil(async () => (await seen(a)).length > 0, {
          timeoutMs: 5000,
          what: "tenant A's row to reach the replica",
        });
        expect(await seen(a)).toEqual([a]);
        expect(await seen(undefined)).toEqual([]);
      } finally {
        await replica.end();
      }
    });
    // pattern:read-replicas:end
  });

  describe('the processes', () => {
    it('connect as the app role and serve documents under row-level security', async () => {
      const [api] = await startInstances(1);
      try {
        const { key } = await newTenant('rls-api');
        const created = await request(api.url)
          .post('/v1/documents')
          .set('authorization', `Bearer ${key}`)
          .send({ title: 't', body: 'b', tags: [] })
          .expect(201);
        await request(api.url)
          .get(`/v1/documents/${created.body.id}`)
          .set('authorization', `Bearer ${key}`)
          .expect(200);
        const { rows } = await owner.query<{ usename: string }>(
          `SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = $1`,
          [`docscale-test-main-${api.port}`],
        );
        expect(rows.map((r) => r.usename)).toEqual([appRole]);
      } finally {
        await stopAll([api]);
      }
    });

    it('refuse to start with DATABASE_RLS=off as a role row-level security applies to', async () => {
      const api = await spawnProcess('main', { DATABASE_RLS: 'off' });
      const [code] = await once(api.process, 'exit');
      expect(code).not.toBe(0);
      expect(api.output()).toMatch(/DATABASE_RLS=off, but row-level security applies/);
    });
  });

  describe('migrations', () => {
    it('run as the owner, which owns every table of the schema', async () => {
      const { stdout } = await run(process.execPath, [join(ROOT, 'dist/scripts/migrate.js')]);
      expect(stdout).toMatch(/schema is up to date|applied:/);
      const { rows } = await owner.query<{ owner: string }>(
        `SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class
          WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v', 'S')`,
      );
      expect(rows.map((r) => r.owner)).toEqual([ownerRole]);
    });

    it('warn when the app connects as the owner, where row-level security cannot apply', async () => {
      const { stderr } = await run(process.execPath, [join(ROOT, 'dist/scripts/migrate.js')], {
        env: { ...process.env, DATABASE_PRIMARY_URL: env.DATABASE_OWNER_URL },
      });
      expect(stderr).toMatch(/DATABASE_PRIMARY_URL connects as the owner/);
    });
  });
});
