/**
 * Queue-based load leveling with real API and worker processes, real Redis (BullMQ) and the real
 * primary: a burst drained at the workers' rate, full-text search fed by index jobs, exports,
 * poison jobs and their replay, the QUEUE=off baseline, and backpressure at QUEUE_MAX_DEPTH.
 * Each process group has a queue of its own (QUEUE_PREFIX), so no other suite's jobs mix in.
 */
import { randomInt } from 'node:crypto';
import request from 'supertest';
import { Instance, spawnProcess, stopAll, waitReady } from '../helpers/instances';
import {
  closePrimary,
  dropQueue,
  getJob,
  indexedVersion,
  isolatedQueue,
  JobBody,
  outboxRows,
  percentile,
  unindexed,
  waitForJob,
} from '../helpers/jobs';
import { metricSum } from '../helpers/metrics'; // pattern:telemetry
import { readiness } from '../helpers/readiness';
import { pollUntil } from '../helpers/poll';
import { newTenant } from '../helpers/tenants';

jest.setTimeout(60_000);

interface Tenant {
  id: string;
  headers: Record<string, string>;
}

async function tenant(label: string): Promise<Tenant> {
  const { tenantId, key } = await newTenant(label);
  return { id: tenantId, headers: { Authorization: `Bearer ${key}` } };
}

/** A word no other document contains (letters only: the text search parser keeps it whole). */
const distinctiveWord = () =>
  `zq${Array.from({ length: 10 }, () => 'abcdefghijklmnopqrstuvwxyz'[randomInt(26)]).join('')}`;

const PROBLEM = /^application\/problem\+json/;

describe('queue-based load leveling', () => {
  const started: Instance[] = [];
  const prefixes: string[] = [];

  afterAll(async () => {
    await stopAll(started);
    await Promise.all(prefixes.map((p) => dropQueue(p)));
    await closePrimary();
  });

  /** A queue of its own for one group of processes. */
  function queue(): Record<string, string> {
    const q = isolatedQueue();
    prefixes.push(q.prefix);
    return q.env;
  }

  async function start(entry: 'main' | 'worker', env: Record<string, string>) {
    const instance = await spawnProcess(entry, env);
    started.push(instance);
    await waitReady(instance);
    return instance;
  }

  /** One API with QUEUE=off (indexing and exports inline), started once for the groups using it. */
  let inline: Promise<Instance> | undefined;
  const inlineApi = () => (inline ??= start('main', { ...queue(), QUEUE: 'off' }));

  const createDoc = async (
    api: Instance,
    t: Tenant,
    fields: { title: string; body: string; tags?: string[] },
  ): Promise<{ id: string; version: number }> =>
    (await request(api.url).post('/v1/documents').set(t.headers).send(fields).expect(201)).body;

  const requestExport = (api: Instance, t: Tenant, id: string) =>
    request(api.url).post(`/v1/documents/${id}/exports`).set(t.headers);

  const search = async (api: Instance, t: Tenant, q: string): Promise<string[]> => {
    const res = await request(api.url).get('/v1/documents').query({ q }).set(t.headers).expect(200);
    return (res.body.items as { id: string }[]).map((d) => d.id);
  };

  const failedJobs = async (api: Instance, t: Tenant): Promise<JobBody[]> =>
    (await request(api.url).get('/v1/jobs?state=failed').set(t.headers).expect(200)).body.items;

  describe('with an API and a worker draining 10 jobs/s', () => {
    const BURST = 100; // 10 × the drain rate, as exports, each after its document's index job
    const RATE = 10;
    let api: Instance;
    let worker: Instance;
    let t: Tenant;
    let a: Tenant;
    let b: Tenant;

    beforeAll(async () => {
      const env = queue();
      [api, worker, t, a, b] = await Promise.all([
        start('main', env),
        start('worker', {
          ...env,
          QUEUE_RATE_MAX: String(RATE),
          QUEUE_RATE_DURATION_MS: '1000',
          QUEUE_CONCURRENCY: '4',
        }),
        tenant('queue-burst'),
        tenant('queue-a'),
        tenant('queue-b'),
      ]);
    });
    afterAll(() => stopAll([api, worker].filter(Boolean)));

    /** One GET /v1/documents/:id, in milliseconds. */
    async function timedRead(id: string): Promise<number> {
      const begin = performance.now();
      const res = await fetch(`${api.url}/v1/documents/${id}`, { headers: t.headers });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      return performance.now() - begin;
    }

    it('answers every export of a burst with 202 and drains it at the worker rate, each job applied once', async () => {
      const probe = await createDoc(api, t, { title: 'probe', body: 'latency probe' });
      // Idle: the same back-to-back reads as during the drain, for as long, after a warm-up.
      const readFor = async (ms: number) => {
        const took: number[] = [];
        for (const end = Date.now() + ms; Date.now() < end;) took.push(await timedRead(probe.id));
        return took;
      };
      await readFor(1000);
      const idle = await readFor(3000);

      const docs = await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          createDoc(api, t, { title: `Burst ${i}`, body: `# Part ${i}\n\nSome *text* for ${i}.` }),
        ),
      );
      const burstAt = Date.now();
      const answers = await Promise.all(
        docs.map(async (d) => {
          const begin = performance.now();
          const res = await fetch(`${api.url}/v1/documents/${d.id}/exports`, {
            method: 'POST',
            headers: t.headers,
          });
          const body = (await res.json()) as JobBody;
          return { status: res.status, body, ms: performance.now() - begin };
        }),
      );
      expect(answers.map((a) => a.status)).toEqual(docs.map(() => 202));
      const jobIds = answers.map((a) => a.body.id);
      const posts = answers.map((a) => a.ms);
      expect(new Set(jobIds).size).toBe(BURST);

      // Reads while the backlog drains: one client, back to back.
      const during: number[] = [];
      let drained = false;
      const reader = (async () => {
        while (!drained) during.push(await timedRead(probe.id));
      })();
      const pending = new Set(jobIds);
      let failed = 0;
      try {
        await pollUntil(
          async () => {
            const seen = await Promise.all(
              [...pending].map((id) => getJob(api.url, t.headers, id)),
            );
            for (const { body } of seen) {
              if (body.state === 'completed') pending.delete(body.id);
              if (body.state === 'failed') failed++;
            }
            if (failed > 0) throw new Error(`${failed} export jobs failed`);
            return pending.size === 0 && (await unindexed(t.id)) === 0;
          },
          { timeoutMs: 45_000, intervalMs: 250, what: 'every export and index job to finish' },
        );
      } finally {
        drained = true;
        await reader;
      }
      const drainMs = Date.now() - burstAt;

      expect(await failedJobs(api, t)).toEqual([]);
      const finished = await Promise.all(jobIds.map((id) => getJob(api.url, t.headers, id)));
      for (const { body } of finished) {
        expect(body).toMatchObject({ state: 'completed', attemptsMade: 1 });
        expect(body.result).toMatchObject({ outcome: 'applied' });
      }
      // pattern:telemetry:begin
      const applied = () =>
        metricSum(worker.adminUrl, 'docscale_jobs_total', {
          job_name: 'export',
          job_outcome: 'applied',
        });
      // The worker counts an outcome just after the job is marked completed.
      await pollUntil(async () => (await applied()) >= BURST, { what: 'the applied count' });
      expect(await applied()).toBe(BURST);
      // pattern:telemetry:end

      const ms = (v: number) => `${v.toFixed(1)} ms`;
      console.log(
        `queue burst: ${BURST} exports (+${BURST + 1} index jobs) at a drain rate of ${RATE} jobs/s ` +
          `(concurrency 4); GET /v1/documents/:id idle p50 ${ms(percentile(idle, 50))} ` +
          `p99 ${ms(percentile(idle, 99))} (${idle.length} reads), while draining p50 ${ms(percentile(during, 50))} ` +
          `p99 ${ms(percentile(during, 99))} (${during.length} reads); ` +
          `the ${BURST} concurrent POST …/exports answered in p50 ${ms(percentile(posts, 50))} ` +
          `max ${ms(Math.max(...posts))}; ` +
          `exports submitted ${BURST}, completed ${BURST - pending.size}, failed ${failed}; ` +
          `drained in ${(drainMs / 1000).toFixed(1)} s`,
      );
    });

    it("finds a document by a word of its body once indexed, by the new word after an update, never by another tenant's search", async () => {
      const [first, second] = [distinctiveWord(), distinctiveWord()];
      const doc = await createDoc(api, a, { title: 'searchable', body: `It says ${first} once.` });
      await pollUntil(async () => (await search(api, a, first)).includes(doc.id), {
        what: 'the document to be found by its word',
      });
      expect(await search(api, b, first)).toEqual([]);

      await request(api.url)
        .patch(`/v1/documents/${doc.id}`)
        .set(a.headers)
        .send({ body: `Now it says ${second} instead.` })
        .expect(200);
      await pollUntil(async () => (await search(api, a, second)).includes(doc.id), {
        what: 'the document to be found by its new word',
      });
      expect(await search(api, a, first)).toEqual([]);
      expect(await search(api, b, second)).toEqual([]);
    });

    it('accepts an export with 202 and serves its HTML as a sandboxed attachment once completed', async () => {
      const doc = await createDoc(api, a, {
        title: 'Report <script>alert(1)</script>',
        body: '# Heading\n\nSome *emphasis*.',
      });
      const res = await requestExport(api, a, doc.id).expect(202);
      const id = res.body.id as string;
      expect(id).toBe(`export-${doc.id}-v1-html`);
      expect(res.headers.location).toBe(`/v1/jobs/${id}`);
      expect(['waiting', 'active', 'completed']).toContain(res.body.state);

      const job = await waitForJob(api.url, a.headers, id, 'completed');
      expect(job.result).toMatchObject({ outcome: 'applied' });
      expect(job.links.artifact).toBe(`/v1/jobs/${id}/artifact`);

      const artifact = await request(api.url).get(job.links.artifact!).set(a.headers).expect(200);
      expect(artifact.headers['content-type']).toMatch(/^text\/html/);
      expect(artifact.headers['content-disposition']).toMatch(/^attachment/);
      expect(artifact.headers['content-security-policy']).toBe('sandbox');
      expect(artifact.text).toContain('<h1>Heading</h1>');
      expect(artifact.text).toContain('<em>emphasis</em>');
      expect(artifact.text).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
      expect(artifact.text).not.toContain('<script>');
    });

    it('returns the same job for the same version, and a new one after an update', async () => {
      const doc = await createDoc(api, a, { title: 'twice', body: 'same work' });
      const first = await requestExport(api, a, doc.id).expect(202);
      const again = await requestExport(api, a, doc.id).expect(202);
      expect(again.body.id).toBe(first.body.id);

      await request(api.url)
        .patch(`/v1/documents/${doc.id}`)
        .set(a.headers)
        .send({ body: 'new work' })
        .expect(200);
      const updated = await requestExport(api, a, doc.id).expect(202);
      expect(updated.body.id).toBe(`export-${doc.id}-v2-html`);
      expect(updated.body.id).not.toBe(first.body.id);
      await waitForJob(api.url, a.headers, updated.body.id, 'completed');
    });

    it("answers another tenant's requests for a job, its artifact and its retry with 404 problems", async () => {
      const doc = await createDoc(api, a, { title: 'private', body: 'mine' });
      const { id } = (await requestExport(api, a, doc.id).expect(202)).body as JobBody;
      await waitForJob(api.url, a.headers, id, 'completed');
      for (const probe of [
        request(api.url).get(`/v1/jobs/${id}`).set(b.headers),
        request(api.url).get(`/v1/jobs/${id}/artifact`).set(b.headers),
        request(api.url).post(`/v1/jobs/${id}/retry`).set(b.headers),
      ]) {
        const res = await probe;
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toMatch(PROBLEM);
      }
    });

    it('refuses a malformed job id with a 400 problem', async () => {
      for (const path of ['/v1/jobs/not-a-job', '/v1/jobs/export-123-v1-html/artifact']) {
        const res = await request(api.url).get(path).set(a.headers);
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(PROBLEM);
        expect(res.body.type).toBe('/problems/validation-failed');
      }
    });
  });

  describe('a poison job', () => {
    const retryPolicy = { QUEUE_ATTEMPTS: '3', QUEUE_BACKOFF_MS: '50' };
    let env: Record<string, string>;
    let api: Instance;
    let faulty: Instance;
    let fixed: Instance | undefined;
    let a: Tenant;
    let b: Tenant;
    let poison: { id: string; exportId: string; indexId: string };

    beforeAll(async () => {
      // The producer (the API) sets a job's attempts and backoff when it enqueues it.
      env = { ...queue(), ...retryPolicy };
      [api, faulty, a, b] = await Promise.all([
        start('main', env),
        start('worker', { ...env, FAULT_JOB_FAIL_TAG: 'poison' }),
        tenant('queue-poison-a'),
        tenant('queue-poison-b'),
      ]);
    });
    afterAll(() => stopAll([api, faulty, fixed].filter((i): i is Instance => Boolean(i))));

    it('moves the export and index jobs of a poison document to failed after 3 attempts, listed for its tenant only', async () => {
      const doc = await createDoc(api, a, { title: 'bad', body: 'poison', tags: ['poison'] });
      const exportId = (await requestExport(api, a, doc.id).expect(202)).body.id as string;
      poison = { id: doc.id, exportId, indexId: `index-${doc.id}-v1` };

      for (const id of [exportId, poison.indexId]) {
        const job = await waitForJob(api.url, a.headers, id, 'failed');
        expect(job.attemptsMade).toBe(3);
        expect(job.failedReason).toMatch(/fault injected.*poison/);
        expect(job.links.retry).toBe(`/v1/jobs/${id}/retry`);
      }
      const listed = (await failedJobs(api, a)).map((j) => j.id).sort();
      expect(listed).toEqual([exportId, poison.indexId].sort());
      expect(await failedJobs(api, b)).toEqual([]);
      expect(await indexedVersion(a.id, doc.id)).toBeNull();
    });

    it('refuses to retry a completed job with a 409 problem', async () => {
      const doc = await createDoc(api, a, { title: 'fine', body: 'healthy' });
      const { id } = (await requestExport(api, a, doc.id).expect(202)).body as JobBody;
      await waitForJob(api.url, a.headers, id, 'completed');
      const res = await request(api.url).post(`/v1/jobs/${id}/retry`).set(a.headers);
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ type: '/problems/job-not-retryable', state: 'completed' });
    });

    it('replays the failed jobs to completion with POST /v1/jobs/:id/retry once a fixed worker runs', async () => {
      expect(poison).toBeDefined();
      expect(await faulty.stop()).toBe(0);
      fixed = await start('worker', env);

      for (const id of [poison.exportId, poison.indexId]) {
        const res = await request(api.url).post(`/v1/jobs/${id}/retry`).set(a.headers).expect(202);
        expect(res.headers.location).toBe(`/v1/jobs/${id}`);
        const job = await waitForJob(api.url, a.headers, id, 'completed');
        expect(job.attemptsMade).toBe(1);
        expect(job.result).toMatchObject({ outcome: 'applied' });
      }
      expect(await failedJobs(api, a)).toEqual([]);
      expect(await indexedVersion(a.id, poison.id)).toBe(1);
      const artifact = await request(api.url)
        .get(`/v1/jobs/${poison.exportId}/artifact`)
        .set(a.headers)
        .expect(200);
      expect(artifact.text).toContain('poison');
    });
  });

  describe('with QUEUE=off and no worker', () => {
    let api: Instance;
    let t: Tenant;

    beforeAll(async () => {
      [api, t] = await Promise.all([inlineApi(), tenant('queue-off')]);
    });

    it('indexes a document within its create and update requests, writing no outbox row', async () => {
      const [first, second] = [distinctiveWord(), distinctiveWord()];
      const doc = await createDoc(api, t, { title: 'inline', body: `Indexed ${first} inline.` });
      expect(await search(api, t, first)).toEqual([doc.id]);
      expect(await indexedVersion(t.id, doc.id)).toBe(1);

      await request(api.url)
        .patch(`/v1/documents/${doc.id}`)
        .set(t.headers)
        .send({ body: `Then ${second}.` })
        .expect(200);
      expect(await search(api, t, second)).toEqual([doc.id]);
      expect(await indexedVersion(t.id, doc.id)).toBe(2);
      expect(await outboxRows(doc.id)).toBe(0);
    });

    it('renders an export within the request: 201, completed, and the artifact downloadable at once', async () => {
      const doc = await createDoc(api, t, { title: 'now', body: '# Inline\n\nrendered' });
      const res = await requestExport(api, t, doc.id).expect(201);
      const id = `export-${doc.id}-v1-html`;
      expect(res.headers.location).toBe(`/v1/jobs/${id}`);
      expect(res.body).toMatchObject({ id, state: 'completed', result: { outcome: 'applied' } });
      expect(res.body.links.artifact).toBe(`/v1/jobs/${id}/artifact`);

      const artifact = await request(api.url).get(res.body.links.artifact).set(t.headers);
      expect(artifact.status).toBe(200);
      expect(artifact.text).toContain('<h1>Inline</h1>');
      expect(await outboxRows(doc.id)).toBe(0);
    });
  });

  describe('backpressure at QUEUE_MAX_DEPTH=5 with no worker', () => {
    let env: Record<string, string>;
    let api: Instance;
    let worker: Instance | undefined;
    let t: Tenant;
    let seeded: { id: string }[];
    const accepted: string[] = [];
    const indexIds: string[] = [];

    beforeAll(async () => {
      env = queue();
      let seeder: Instance;
      [api, seeder, t] = await Promise.all([
        start('main', { ...env, QUEUE_MAX_DEPTH: '5', QUEUE_RATE_MAX: '1' }),
        // Documents indexed inline, so the queue starts empty and holds only what the test sends.
        inlineApi(),
        tenant('queue-backpressure'),
      ]);
      seeded = [];
      for (let i = 0; i < 6; i++)
        seeded.push(await createDoc(seeder, t, { title: `seed ${i}`, body: 'seeded' }));
      expect(await unindexed(t.id)).toBe(0);
    });
    afterAll(() => stopAll([api, worker].filter((i): i is Instance => Boolean(i))));

    const waiting = async () =>
      (await request(api.url).get('/v1/jobs?state=waiting&limit=100').set(t.headers).expect(200))
        .body.items as JobBody[];

    it('accepts exports up to the depth limit, then refuses with a 503 queue-full problem and Retry-After', async () => {
      for (const doc of seeded.slice(0, 5)) {
        const res = await requestExport(api, t, doc.id).expect(202);
        accepted.push(res.body.id);
      }
      const refused = await requestExport(api, t, seeded[5].id);
      expect(refused.status).toBe(503);
      expect(refused.headers['content-type']).toMatch(PROBLEM);
      expect(refused.body).toMatchObject({ type: '/problems/queue-full', status: 503 });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await getJob(api.url, t.headers, `export-${seeded[5].id}-v1-html`)).status).toBe(404);
    });

    it('keeps accepting writes past the limit, and queues every index job they ask for', async () => {
      for (let i = 0; i < 3; i++) {
        const doc = await createDoc(api, t, { title: `late ${i}`, body: 'written under load' });
        await request(api.url)
          .patch(`/v1/documents/${doc.id}`)
          .set(t.headers)
          .send({ body: 'updated under load' })
          .expect(200);
        indexIds.push(`index-${doc.id}-v1`, `index-${doc.id}-v2`);
      }
      const expected = [...accepted, ...indexIds].sort();
      await pollUntil(
        async () =>
          JSON.stringify((await waiting()).map((j) => j.id).sort()) === JSON.stringify(expected),
        { what: 'the exports and every index job waiting in the queue' },
      );
      expect((await readiness(api.url)).queue.depth).toBe(expected.length);
    });

    it('drains everything once a worker starts, then accepts exports again', async () => {
      worker = await start('worker', { ...env, QUEUE_RATE_MAX: '1000' });
      for (const id of [...accepted, ...indexIds])
        await waitForJob(api.url, t.headers, id, 'completed');
      expect(await waiting()).toEqual([]);
      expect(await unindexed(t.id)).toBe(0);

      const res = await requestExport(api, t, seeded[5].id).expect(202);
      await waitForJob(api.url, t.headers, res.body.id, 'completed');
    });
  });
});
