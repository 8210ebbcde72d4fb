/**
 * `GET /v1/jobs` from each tenant's own job index, and a job retry admitted like a new export:
 * real API and worker processes, real Redis (BullMQ) and the real primary, a queue per group.
 */
import request from 'supertest';
import { Instance, spawnProcess, stopAll, waitReady } from '../helpers/instances';
import {
  closePrimary,
  dropQueue,
  isolatedQueue,
  JobBody,
  primary,
  waitForJob,
} from '../helpers/jobs';
import { pollUntil } from '../helpers/poll';
import { newTenant } from '../helpers/tenants';

jest.setTimeout(90_000);

interface Tenant {
  id: string;
  headers: Record<string, string>;
}

async function tenant(label: string): Promise<Tenant> {
  const { tenantId, key } = await newTenant(label);
  return { id: tenantId, headers: { Authorization: `Bearer ${key}` } };
}

const PROBLEM = /^application\/problem\+json/;

describe('jobs', () => {
  const started: Instance[] = [];
  const prefixes: string[] = [];

  afterAll(async () => {
    await stopAll(started);
    await Promise.all(prefixes.map((p) => dropQueue(p)));
    await closePrimary();
  });

  function queue(): Record<string, string> {
    const q = isolatedQueue();
    prefixes.push(q.prefix);
    return q.env;
  }

  async function start(entry: 'main' | 'worker', env: Record<string, string>) {
    const instance = await spawnProcess(entry, env);
    started.push(instance);
    // Two processes start at once here, on a machine that may be busy: more than the default 20 s.
    await waitReady(instance, 40_000);
    return instance;
  }

  /** Creates `n` documents (each asks for an index job); their ids. */
  async function createDocs(api: Instance, t: Tenant, n: number, tags: string[] = []) {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 20) {
      const batch = Array.from({ length: Math.min(20, n - i) }, (_, j) =>
        request(api.url)
          .post('/v1/documents')
          .set(t.headers)
          .send({ title: `doc ${i + j}`, body: 'text', tags })
          .expect(201),
      );
      ids.push(...(await Promise.all(batch)).map((res) => res.body.id as string));
    }
    return ids;
  }

  /** `n` index jobs for documents of the tenant, requested in the outbox of queue `prefix`. */
  async function requestIndexing(prefix: string, tenantId: string, n: number) {
    const { rows } = await primary().query<{ job_id: string }>(
      `INSERT INTO outbox (queue, job_name, job_id, data)
       SELECT $1, 'index', 'index-' || doc || '-v1',
              jsonb_build_object('tenantId', $2::text, 'documentId', doc, 'version', 1)
         FROM (SELECT gen_random_uuid() AS doc FROM generate_series(1, $3)) AS docs
       RETURNING job_id`,
      [`${prefix}:documents`, tenantId, n],
    );
    return rows.map((r) => r.job_id);
  }

  /** Every page of the tenant's listing, following nextCursor; the ids in the order listed. */
  async function listAll(api: Instance, t: Tenant, query: Record<string, string | number> = {}) {
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await request(api.url)
        .get('/v1/jobs')
        .query({ ...query, ...(cursor && { cursor }) })
        .set(t.headers)
        .expect(200);
      ids.push(...(res.body.items as JobBody[]).map((j) => j.id));
      cursor = res.body.nextCursor ?? undefined;
      if (++pages > 500) throw new Error('the listing did not end');
    } while (cursor);
    return ids;
  }

  describe('listing per tenant, with no worker (jobs stay waiting)', () => {
    // More than the 1000 newest jobs the listing used to scan for every tenant at once: with that
    // scan, the quiet tenant's older jobs were out of view.
    const BUSY = 1100;
    let env: Record<string, string>;
    let api: Instance;
    let busy: Tenant;
    let quiet: Tenant;
    let busyJobs: string[];
    let quietJobs: string[];

    beforeAll(async () => {
      env = queue();
      [api, busy, quiet] = await Promise.all([
        start('main', env),
        tenant('jobs-busy'),
        tenant('jobs-quiet'),
      ]);
      quietJobs = (await createDocs(api, quiet, 3)).map((id) => `index-${id}-v1`);
      const created = await createDocs(api, busy, 20);
      // The rest as index requests written straight into the outbox (as writes would, but at
      // once): the relay hands them to the queue in batches, many in one millisecond.
      const requested = await requestIndexing(env.QUEUE_PREFIX, busy.id, BUSY - created.length);
      busyJobs = [...created.map((id) => `index-${id}-v1`), ...requested];
      await pollUntil(async () => (await listAll(api, busy, { limit: 100 })).length === BUSY, {
        timeoutMs: 30_000,
        what: `the busy tenant's ${BUSY} jobs to be queued`,
      });
    });
    afterAll(() => stopAll([api].filter(Boolean)));

    it("lists every job of a quiet tenant, and none of a busy tenant's, however many it has", async () => {
      const res = await request(api.url).get('/v1/jobs').set(quiet.headers).expect(200);

      expect((res.body.items as JobBody[]).map((j) => j.id).sort()).toEqual([...quietJobs].sort());
      expect(res.body.nextCursor).toBeNull();
    });

    it('returns every job exactly once when paged with the cursor, newest first', async () => {
      const listed = await listAll(api, busy, { limit: 13 });

      expect(listed).toHaveLength(BUSY);
      expect([...listed].sort()).toEqual([...busyJobs].sort());
    });

    it('pages by state: waiting lists them all, failed none', async () => {
      expect((await listAll(api, busy, { state: 'waiting', limit: 100 })).sort()).toEqual(
        [...busyJobs].sort(),
      );
      expect((await listAll(api, quiet, { state: 'waiting' })).sort()).toEqual(
        [...quietJobs].sort(),
      );
      expect(await listAll(api, busy, { state: 'failed' })).toEqual([]);
    });

    it.each([
      ['garbage', 'bm90LWEtY3Vyc29y'],
      [
        'a documents cursor (a UUID where a job id belongs)',
        Buffer.from(
          JSON.stringify(['2026-01-02T03:04:05.678000Z', '0b9d2c7e-4f1a-4c3b-9e8d-7a6b5c4d3e2f']),
        ).toString('base64url'),
      ],
    ])('refuses %s as a cursor with a 400 invalid-cursor problem', async (_label, cursor) => {
      const res = await request(api.url).get('/v1/jobs').query({ cursor }).set(busy.headers);

      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ type: '/problems/invalid-cursor', status: 400 });
    });
  });

  describe('a retry is admitted like a new export', () => {
    const DEPTH = 3;
    let env: Record<string, string>;
    let api: Instance;
    let t: Tenant;
    let failedId: string;

    beforeAll(async () => {
      env = { ...queue(), QUEUE_ATTEMPTS: '1' };
      let faulty: Instance;
      [api, faulty, t] = await Promise.all([
        start('main', {
          ...env,
          QUEUE_MAX_DEPTH: String(DEPTH),
          RATE_LIMIT: 'on',
          RATE_LIMIT_EXPORTS: '2',
          RATE_LIMIT_WINDOW_MS: '60000',
        }),
        start('worker', { ...env, FAULT_JOB_FAIL_TAG: 'poison' }),
        tenant('jobs-retry'),
      ]);
      const [poison] = await createDocs(api, t, 1, ['poison']);
      failedId = `index-${poison}-v1`;
      await waitForJob(api.url, t.headers, failedId, 'failed');
      expect(await faulty.stop()).toBe(0);
    });

    it('refuses a retry with a 503 queue-full problem and Retry-After while the backlog is at QUEUE_MAX_DEPTH', async () => {
      await createDocs(api, t, DEPTH); // index jobs are never refused: they fill the backlog
      await pollUntil(async () => (await listAll(api, t, { state: 'waiting' })).length === DEPTH, {
        what: 'the backlog at QUEUE_MAX_DEPTH',
      });

      const res = await request(api.url).post(`/v1/jobs/${failedId}/retry`).set(t.headers);

      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ type: '/problems/queue-full', status: 503 });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await waitForJob(api.url, t.headers, failedId, 'failed')).attemptsMade).toBe(1);
    });

    it('accepts the same retry once a worker has drained the backlog', async () => {
      await start('worker', env);
      await pollUntil(async () => (await listAll(api, t, { state: 'waiting' })).length === 0, {
        timeoutMs: 10_000,
        what: 'the backlog to drain',
      });

      await request(api.url).post(`/v1/jobs/${failedId}/retry`).set(t.headers).expect(202);
      await waitForJob(api.url, t.headers, failedId, 'completed');
    });

    // pattern:rate-limit:begin
    it('charges a retry to the exports rate class: refused with 429 once exports spent it, while writes still pass', async () => {
      const r = await tenant('jobs-retry-rate');
      const [doc] = await createDocs(api, r, 1);
      for (let i = 0; i < 2; i++)
        await request(api.url).post(`/v1/documents/${doc}/exports`).set(r.headers).expect(202);

      const res = await request(api.url).post(`/v1/jobs/${failedId}/retry`).set(r.headers);

      expect(res.status).toBe(429);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ type: '/problems/rate-limited', routeClass: 'exports' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      await createDocs(api, r, 1);
    });
    // pattern:rate-limit:end
  });
});
