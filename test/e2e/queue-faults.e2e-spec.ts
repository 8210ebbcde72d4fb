/**
 * The job queue under faults, with real API and worker processes, real Postgres and real Redis:
 * a worker killed mid-job, a worker stopped with SIGTERM (hand-back), Redis stopped in the middle
 * of writes (the transactional outbox keeps every request), an API started while Redis is down,
 * a queued job lost by Redis (re-requested by the index reconciler), Redis restarted under idle
 * workers, and two API instances relaying the same outbox at once. Every test runs on a queue of its own
 * (QUEUE_PREFIX), so the jobs of one test are invisible to the processes of another.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { AppConfig } from '../../src/config';
import { Instance, spawnProcess, stopAll, waitReady } from '../helpers/instances';
import { metricSum } from '../helpers/metrics'; // pattern:telemetry
import { pollUntil } from '../helpers/poll';
import { newTenant } from '../helpers/tenants';
import { stack } from '../../scripts/processes/stack';

// pattern:telemetry:begin
const JOBS = 'docscale_jobs_total';
const RELAYED = 'docscale_outbox_relayed_total';
// pattern:telemetry:end

jest.setTimeout(60_000);

interface Job {
  id: string;
  state: string;
  attemptsMade: number;
  failedReason?: string;
  result?: { outcome?: string; artifact?: string };
}

interface Doc {
  id: string;
  version: number;
}

describe('job queue under faults', () => {
  let db: Pool;
  /** Every process a test starts; afterEach stops whichever are still running. */
  const started: Instance[] = [];

  beforeAll(() => {
    // As the owner: the checks read and fix up rows across tenants, past row-level security.
    db = new Pool({
      connectionString: process.env.DATABASE_OWNER_URL ?? AppConfig.load().env.DATABASE_OWNER_URL,
      max: 2,
    });
  });
  afterEach(async () => {
    await stopAll(started.splice(0));
  });
  afterAll(async () => {
    await db?.end();
  });

  /** One test's world: its own queue (and toggles and cache keys), and a fresh tenant. */
  async function world(label: string) {
    const prefix = `docscale:test:faults:${randomUUID()}`;
    const env = {
      QUEUE_PREFIX: prefix,
      TOGGLES_KEY_PREFIX: `${prefix}:toggles`,
      CACHE_KEY_PREFIX: `${prefix}:cache`,
    };
    const { key } = await newTenant(`faults-${label}`);
    const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
    return { queue: `${prefix}:documents`, env, headers };
  }
  type World = Awaited<ReturnType<typeof world>>;

  /**
   * Spawns a process, tracked before it is ready (a failed start is stopped too). Retried on
   * another port when the free port it was given was taken first (suites may run side by side).
   */
  async function spawn(entry: 'main' | 'worker', env: Record<string, string>): Promise<Instance> {
    for (let attempt = 1; ; attempt++) {
      const instance = await spawnProcess(entry, env);
      started.push(instance);
      try {
        await waitReady(instance);
        return instance;
      } catch (err) {
        if (attempt === 3 || !instance.output().includes('EADDRINUSE')) throw err;
      }
    }
  }
  const apis = (n: number, env: Record<string, string>) =>
    Promise.all(Array.from({ length: n }, () => spawn('main', env)));
  const worker = (env: Record<string, string>) => spawn('worker', env);

  /** A request whose answer is checked by status, with its body in the failure message. */
  async function call<T>(url: string, init: RequestInit, status: number): Promise<T> {
    const res = await fetch(url, init);
    const text = await res.text();
    expect({ status: res.status, body: text }).toMatchObject({ status });
    return JSON.parse(text) as T;
  }

  const create = (api: Instance, w: World, title = 'doc') =>
    call<Doc>(
      `${api.url}/v1/documents`,
      {
        method: 'POST',
        headers: w.headers,
        body: JSON.stringify({ title, body: `# ${title}\n\nfirst body` }),
      },
      201,
    );

  const update = (api: Instance, w: World, id: string, body: string) =>
    call<Doc>(
      `${api.url}/v1/documents/${id}`,
      { method: 'PATCH', headers: w.headers, body: JSON.stringify({ body }) },
      200,
    );

  const requestExport = (api: Instance, w: World, doc: Doc) =>
    call<Job>(
      `${api.url}/v1/documents/${doc.id}/exports`,
      { method: 'POST', headers: { Authorization: w.headers.Authorization } },
      202,
    );

  const job = (api: Instance, w: World, id: string) =>
    call<Job>(`${api.url}/v1/jobs/${id}`, { headers: w.headers }, 200);

  async function waitForState(
    api: Instance,
    w: World,
    id: string,
    state: string,
    timeoutMs = 10_000,
  ) {
    let last: Job | undefined;
    await pollUntil(async () => (last = await job(api, w, id)).state === state, {
      timeoutMs,
      intervalMs: 50,
      what: `job ${id} to be ${state}`,
    }).catch((err: Error) => {
      throw new Error(`${err.message}; last seen: ${JSON.stringify(last)}`);
    });
    return last!;
  }

  async function count(sql: string, params: unknown[]): Promise<number> {
    const { rows } = await db.query<{ n: string }>(sql, params);
    return Number(rows[0].n);
  }

  const unsent = (queue: string) =>
    count(`SELECT count(*) AS n FROM outbox WHERE queue = $1 AND sent_at IS NULL`, [queue]);

  /** Documents of `ids` not yet indexed at their current version. */
  const unindexed = (ids: string[]) =>
    count(
      `SELECT count(*) AS n FROM documents
        WHERE id = ANY($1::uuid[]) AND indexed_version IS DISTINCT FROM version`,
      [ids],
    );

  it('runs a job again on another worker after the worker running it is killed, and applies it once', async () => {
    const w = await world('sigkill');
    const stall = { QUEUE_LOCK_MS: '1000', QUEUE_STALLED_INTERVAL_MS: '500' };
    const [[api], w1] = await Promise.all([
      apis(1, w.env),
      worker({ ...w.env, ...stall, FAULT_JOB_DELAY_MS: '4000' }),
    ]);
    const doc = await create(api, w, 'killed mid-job');
    const { id } = await requestExport(api, w, doc);
    await waitForState(api, w, id, 'active');

    expect(await w1.stop('SIGKILL')).toBeNull(); // killed by the signal, no exit code
    const killedAt = Date.now();
    // pattern:telemetry:begin
    const w2 = await worker({ ...w.env, ...stall });
    // pattern:telemetry:else
    // await worker({ ...w.env, ...stall });
    // pattern:telemetry:end
    const done = await waitForState(api, w, id, 'completed', 15_000);
    console.log(
      `worker killed mid-job: completed by another worker ${Date.now() - killedAt} ms later`,
    );

    expect(done.result?.outcome).toBe('applied');
    // A stalled job moved back to waiting did not use an attempt: only the completed one counts.
    expect(done.attemptsMade).toBe(1);
    // pattern:telemetry:begin
    // W2 found it by its stalled-job check (the lock W1 stopped renewing expired).
    expect(await metricSum(w2.adminUrl, JOBS, { job_outcome: 'stalled' })).toBeGreaterThanOrEqual(
      1,
    );
    // pattern:telemetry:end
    expect(await count(`SELECT count(*) AS n FROM document_exports WHERE job_id = $1`, [id])).toBe(
      1,
    );
    const artifact = await fetch(`${api.url}/v1/jobs/${id}/artifact`, { headers: w.headers });
    expect(artifact.status).toBe(200);
    expect(await artifact.text()).toContain('killed mid-job');
  });

  it('hands a running job back to the queue on SIGTERM without using an attempt', async () => {
    const w = await world('hand-back');
    const [[api], w1] = await Promise.all([
      apis(1, w.env),
      worker({ ...w.env, FAULT_JOB_DELAY_MS: '60000', QUEUE_HAND_BACK_AFTER_MS: '300' }),
    ]);
    const doc = await create(api, w, 'handed back');
    const { id } = await requestExport(api, w, doc);
    await waitForState(api, w, id, 'active');

    const stoppedAt = Date.now();
    expect(await w1.stop('SIGTERM')).toBe(0);
    const tookMs = Date.now() - stoppedAt;
    console.log(`SIGTERM with a 60 s job running: the worker exited 0 after ${tookMs} ms`);
    expect(tookMs).toBeLessThan(5000);

    const back = await job(api, w, id);
    expect(back).toMatchObject({ state: 'waiting', attemptsMade: 0 });
    expect(back.failedReason).toBeUndefined();

    await worker(w.env);
    const done = await waitForState(api, w, id, 'completed');
    expect(done.result?.outcome).toBe('applied');
    expect(done.attemptsMade).toBe(1);
  });

  it('lets a short running job finish on SIGTERM before the worker exits', async () => {
    const w = await world('finish');
    const [[api], w1] = await Promise.all([
      apis(1, w.env),
      worker({ ...w.env, FAULT_JOB_DELAY_MS: '1500', QUEUE_HAND_BACK_AFTER_MS: '5000' }),
    ]);
    const doc = await create(api, w, 'finished on shutdown');
    const { id } = await requestExport(api, w, doc);
    await waitForState(api, w, id, 'active');

    expect(await w1.stop('SIGTERM')).toBe(0);
    // No other worker ever ran: the job completed on the one that was stopping.
    const done = await job(api, w, id);
    expect(done).toMatchObject({ state: 'completed', attemptsMade: 1 });
    expect(done.result?.outcome).toBe('applied');
  });

  it('keeps accepting writes while Redis is stopped and indexes every document at its latest version once it returns', async () => {
    const w = await world('redis-down');
    // pattern:telemetry:begin
    const [[api], wk] = await Promise.all([
      // pattern:telemetry:else
      // const [[api]] = await Promise.all([
      // pattern:telemetry:end
      apis(1, { ...w.env, OUTBOX_POLL_MS: '200' }),
      worker(w.env),
    ]);
    const docs = await Promise.all(
      Array.from({ length: 15 }, (_, n) => create(api, w, `doc ${n}`)),
    );
    const ids = docs.map((d) => d.id);
    const latest = new Map(docs.map((d) => [d.id, d.version]));

    // Two writers: every sixth write creates a document, the others update a random one.
    type Phase = 'before' | 'outage' | 'after';
    let phase: Phase | 'done' = 'before';
    const writes = { before: 0, outage: 0, after: 0 };
    const creates = { before: 0, outage: 0, after: 0 };
    const refused: string[] = [];
    let issued = 0;
    const writer = async () => {
      while (phase !== 'done') {
        const at: Phase = phase;
        const creating = issued++ % 6 === 0;
        const id = ids[Math.floor(Math.random() * ids.length)];
        const res = await fetch(`${api.url}/v1/documents${creating ? '' : `/${id}`}`, {
          method: creating ? 'POST' : 'PATCH',
          headers: w.headers,
          body: JSON.stringify(
            creating
              ? { title: `created ${at}`, body: 'new' }
              : { body: `updated ${randomUUID()}` },
          ),
        });
        if (res.status !== (creating ? 201 : 200)) {
          refused.push(`${at}: ${res.status} ${await res.text()}`);
          continue;
        }
        const doc = (await res.json()) as Doc;
        if (creating) ids.push(doc.id);
        if (doc.version > (latest.get(doc.id) ?? 0)) latest.set(doc.id, doc.version);
        writes[at]++;
        if (creating) creates[at]++;
      }
    };
    const load = Promise.all([writer(), writer()]);
    const total = () => writes.before + writes.outage + writes.after;
    // Writes answered before Redis was started again (stack.sh blocks this event loop).
    let answeredWhileDown: number;
    let createdWhileDown: number;
    try {
      await pollUntil(() => writes.before >= 20, { timeoutMs: 10_000, what: '20 writes first' });
      stack('stop-member', 'redis');
      phase = 'outage';
      await pollUntil(async () => writes.outage >= 20 && (await unsent(w.queue)) > 0, {
        timeoutMs: 20_000,
        what: '20 writes acknowledged and unsent outbox rows while Redis is down',
      });
    } finally {
      answeredWhileDown = writes.outage;
      createdWhileDown = creates.outage;
      stack('start-member', 'redis');
    }
    phase = 'after';
    const atReturn = total();
    await pollUntil(() => total() - atReturn >= 20, { timeoutMs: 20_000, what: '20 writes after' });
    phase = 'done';
    await load;
    expect(refused).toEqual([]);

    await pollUntil(async () => (await unindexed(ids)) === 0 && (await unsent(w.queue)) === 0, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'every document indexed at its latest version and every outbox row sent',
    });
    const { rows } = await db.query<{ id: string; version: number; indexed_version: number }>(
      `SELECT id, version, indexed_version FROM documents WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    for (const row of rows) {
      expect(row.version).toBe(latest.get(row.id));
      expect(row.indexed_version).toBe(row.version);
    }

    const indexJobs = await count(
      `SELECT count(DISTINCT job_id) AS n FROM outbox WHERE queue = $1 AND job_name = 'index'`,
      [w.queue],
    );
    console.log(
      `redis stopped during writes: ${ids.length} documents, ${total()} writes in the loop ` +
        `(${answeredWhileDown} answered while Redis was down, ${createdWhileDown} of them creates), ` +
        `${indexJobs} index jobs requested`,
    );
    expect(answeredWhileDown).toBeGreaterThan(0);
    expect(createdWhileDown).toBeGreaterThan(0);
    expect(rows).toHaveLength(ids.length);
    expect(indexJobs).toBe(docs.length + total()); // one per write: a create or an update
    // pattern:telemetry:begin
    const outcome = (o: string) =>
      metricSum(wk.adminUrl, JOBS, { job_name: 'index', job_outcome: o });
    const [applied, skipped, retried, failed] = await Promise.all(
      ['applied', 'skipped', 'retried', 'failed'].map(outcome),
    );
    console.log(
      `worker ran ${applied} applied, ${skipped} skipped, ${retried} retried, ${failed} failed`,
    );
    expect(applied).toBeLessThanOrEqual(indexJobs);
    expect(failed).toBe(0);
    // pattern:telemetry:end
  });

  it('starts with Redis down, keeps every write, refuses exports, and relays once Redis is up', async () => {
    const w = await world('start-down');
    stack('stop-member', 'redis');
    let doc: Doc;
    try {
      // BullMQ alone would wait for a first connection without limit: every queue call would hang.
      const [api] = await apis(1, { ...w.env, OUTBOX_POLL_MS: '200' });
      doc = await create(api, w, 'written before Redis ever answered');
      const res = await fetch(`${api.url}/v1/documents/${doc.id}/exports`, {
        method: 'POST',
        headers: { Authorization: w.headers.Authorization },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { type: string }).type).toBe('/problems/queue-unavailable');
      expect((await job(api, w, `index-${doc.id}-v1`)).state).toBe('pending');
      expect(await unsent(w.queue)).toBe(1);
    } finally {
      stack('start-member', 'redis');
    }
    await worker(w.env);
    await pollUntil(
      async () => (await unindexed([doc.id])) === 0 && (await unsent(w.queue)) === 0,
      {
        timeoutMs: 20_000,
        intervalMs: 100,
        what: 'the document written during the outage indexed, its outbox row sent',
      },
    );
  });

  it('re-requests the indexing of a document whose queued job Redis lost', async () => {
    // The reconciler sweeps every tenant's documents, oldest first: suites that wrote with no
    // worker running leave unindexed ones, which would queue ahead of this test's. Settle them.
    await db.query(
      'UPDATE documents SET indexed_version = version WHERE indexed_version IS DISTINCT FROM version',
    );
    const w = await world('reconcile');
    const [api] = await apis(1, {
      ...w.env,
      INDEX_RECONCILE_AFTER_MS: '300',
      INDEX_RECONCILE_INTERVAL_MS: '200',
    });
    const doc = await create(api, w, 'its job is lost');
    const jobId = `index-${doc.id}-v1`;
    await waitForState(api, w, jobId, 'waiting'); // relayed: the outbox row is marked sent
    // What a Redis crash does to a job it held for less than a second (AOF everysec).
    const connection = new Redis(process.env.REDIS_URL ?? AppConfig.load().env.REDIS_URL);
    const queue = new Queue('documents', { connection, prefix: w.env.QUEUE_PREFIX });
    try {
      await queue.remove(jobId);
    } finally {
      await queue.close();
      connection.disconnect();
    }
    const lost = await fetch(`${api.url}/v1/jobs/${jobId}`, { headers: w.headers });
    expect(lost.status).toBe(404);

    await worker(w.env);
    await pollUntil(async () => (await unindexed([doc.id])) === 0, {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: 'the document indexed after its lost job was requested again',
    });
    const requests = await count(
      `SELECT count(*) AS n FROM outbox WHERE queue = $1 AND job_id = $2`,
      [w.queue, jobId],
    );
    // The write's, then the reconciler's: one per INDEX_RECONCILE_AFTER_MS while it stayed unindexed
    // (the worker took a few seconds to start); each resend of a job BullMQ holds is a no-op.
    expect(requests).toBeGreaterThanOrEqual(2);
    // Run once, and applied.
    const done = await waitForState(api, w, jobId, 'completed');
    expect(done).toMatchObject({ attemptsMade: 1, result: { outcome: 'applied' } });
  });

  it('resumes taking jobs after a Redis restart without a worker restart', async () => {
    const w = await world('redis-restart');
    const [[api], wk] = await Promise.all([apis(1, w.env), worker(w.env)]);
    const pid = wk.process.pid;
    const before = await create(api, w, 'before the restart');
    await pollUntil(async () => (await unindexed([before.id])) === 0, {
      timeoutMs: 10_000,
      what: 'the first document indexed',
    });

    stack('restart-member', 'redis');
    const docs = await Promise.all(
      Array.from({ length: 5 }, (_, n) => create(api, w, `after the restart ${n}`)),
    );
    const restartedAt = Date.now();
    await pollUntil(async () => (await unindexed(docs.map((d) => d.id))) === 0, {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: 'documents created after the restart indexed',
    });
    console.log(`redis restarted: new documents indexed ${Date.now() - restartedAt} ms later`);

    // The same process did it: it never exited, and its own counters show the jobs.
    expect(wk.process.pid).toBe(pid);
    expect(wk.process.exitCode).toBeNull();
    expect(wk.process.signalCode).toBeNull();
    // pattern:telemetry:begin
    expect(
      await metricSum(wk.adminUrl, JOBS, { job_name: 'index', job_outcome: 'applied' }),
    ).toBeGreaterThanOrEqual(1 + docs.length);
    // pattern:telemetry:end
  });

  it('relays each outbox row exactly once when two API instances relay the same outbox', async () => {
    const w = await world('two-relays');
    const [pair] = await Promise.all([apis(2, { ...w.env, OUTBOX_POLL_MS: '100' }), worker(w.env)]);
    const docs = await Promise.all(
      Array.from({ length: 20 }, (_, n) => create(pair[n % 2], w, `relayed ${n}`)),
    );
    const ids = docs.map((d) => d.id);
    // 20 creates and 80 updates, split across both instances, 8 at a time.
    let next = 0;
    const updater = async () => {
      for (let n = next++; n < 80; n = next++)
        await update(pair[n % 2], w, ids[n % ids.length], `update ${n}`);
    };
    await Promise.all(Array.from({ length: 8 }, updater));

    await pollUntil(async () => (await unindexed(ids)) === 0 && (await unsent(w.queue)) === 0, {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: 'every document indexed and every outbox row sent',
    });
    const rows = await count(`SELECT count(*) AS n FROM outbox WHERE queue = $1`, [w.queue]);
    expect(rows).toBe(100);
    // pattern:telemetry:begin
    const relayed = await Promise.all(pair.map((api) => metricSum(api.adminUrl, RELAYED)));
    console.log(
      `two relays: ${rows} outbox rows, relayed ${relayed.join(' + ')} = ${relayed[0] + relayed[1]}`,
    );
    expect(relayed[0] + relayed[1]).toBe(rows);
    expect(relayed.every((n) => n > 0)).toBe(true);
    // pattern:telemetry:end
  });
});
