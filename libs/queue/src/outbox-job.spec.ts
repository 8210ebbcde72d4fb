import { Pool } from 'pg';
import { outboxInsert } from './outbox-insert';
import { OutboxJob } from './outbox-job';

// The real local stack (scripts/stack.sh): the SQL half of an id is checked by Postgres itself.
const PRIMARY_URL =
  process.env.DATABASE_PRIMARY_URL ??
  'postgres://docscale_app:docscale_app@127.0.0.1:55432/docscale';

const job = new OutboxJob('index', "index-{documentId}-v{version}'s");
const COLUMNS = { tenantId: 'tenant_id', documentId: 'id', version: 'version' };
const ROWS = `(VALUES ('t1', 'd1', 3), ('t2', 'd''2', 12)) AS doc (tenant_id, id, version)`;

describe('OutboxJob', () => {
  const pool = new Pool({ connectionString: PRIMARY_URL, max: 1 });
  afterAll(() => pool.end());

  it('builds an id from the template and the data', () => {
    expect(job.id({ documentId: 'd1', version: 3 })).toBe("index-d1-v3's");
  });

  it('builds in SQL the ids it builds in TypeScript, and the data from the named columns', async () => {
    const { rows } = await pool.query<{ job_name: string; job_id: string; data: object }>(
      `SELECT ${job.columns(COLUMNS)} FROM ${ROWS} ORDER BY tenant_id`,
    );

    expect(rows).toEqual([
      {
        job_name: 'index',
        job_id: job.id({ documentId: 'd1', version: 3 }),
        data: { tenantId: 't1', documentId: 'd1', version: 3 },
      },
      {
        job_name: 'index',
        job_id: job.id({ documentId: "d'2", version: 12 }),
        data: { tenantId: 't2', documentId: "d'2", version: 12 },
      },
    ]);
  });
});

describe('outboxInsert', () => {
  it('inserts nothing when the request parameter is null (the job then runs inline)', () => {
    const sql = outboxInsert(job, 'doc', COLUMNS, '$5');

    expect(sql).toContain('INSERT INTO outbox (queue, job_name, job_id, data, trace)');
    expect(sql).toMatch(/FROM doc WHERE \$5::jsonb IS NOT NULL$/);
  });
});
