/**
 * One trace from the request that asks for a job to the worker that runs it: a real API and a
 * real worker export their spans over OTLP, and the index job (through the outbox and the relay)
 * and the export job (enqueued directly) each show request → publish → process, the worker's span
 * a child of the API's producer span. Each process exports to a receiver of its own, so where a
 * span was made is known, not inferred from its name. The queue's metrics are on /metrics.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import request from 'supertest';
import { Instance, spawnProcess, stopAll, waitReady } from '../helpers/instances';
import { OtlpReceiver, ReceivedSpan } from '../helpers/otlp-receiver';
import { pollUntil } from '../helpers/poll';
import { newTenant } from '../helpers/tenants';

jest.setTimeout(60_000);

/** OTLP's span kinds (the protobuf enum, as OTLP/JSON sends it). */
const KIND = { SERVER: 2, PRODUCER: 4, CONSUMER: 5 } as const;

interface JobTrace {
  server: ReceivedSpan;
  publish: ReceivedSpan;
  process: ReceivedSpan;
  /** The API's spans of the request's trace. */
  apiTrace: ReceivedSpan[];
}

describe('queue telemetry: request → publish → process in one trace', () => {
  const prefix = `docscale:test:telemetry:${randomUUID()}`;
  const apiReceiver = new OtlpReceiver();
  const workerReceiver = new OtlpReceiver();
  const started: Instance[] = [];
  let api: Instance;
  let worker: Instance;
  let auth: Record<string, string>;
  let index: JobTrace;
  let exported: JobTrace;

  /** The three spans of `jobId`, once both processes have exported them. */
  async function traceOf(jobId: string, route: string): Promise<JobTrace> {
    let found: Partial<JobTrace> = {};
    await pollUntil(
      () => {
        const publish = apiReceiver.spans.find(
          (s) => s.name === 'publish documents' && s.attributes['messaging.message.id'] === jobId,
        );
        const process = workerReceiver.spans.find(
          (s) => s.name === 'process documents' && s.attributes['bullmq.job.id'] === jobId,
        );
        const apiTrace = apiReceiver.spans.filter((s) => s.traceId === publish?.traceId);
        const server = apiTrace.find((s) => s.name === route && s.kind === KIND.SERVER);
        found = { publish, process, server, apiTrace };
        return Boolean(publish && process && server);
      },
      {
        timeoutMs: 20_000,
        intervalMs: 100,
        what: `the spans of ${jobId} (have: ${Object.entries(found)
          .filter(([, v]) => v)
          .map(([k]) => k)
          .join(', ')})`,
      },
    );
    return found as JobTrace;
  }

  /** The job's state as the API reports it, polled until it has completed. */
  async function waitCompleted(jobId: string): Promise<void> {
    let state: string | undefined;
    await pollUntil(
      async () => {
        const res = await request(api.url).get(`/v1/jobs/${jobId}`).set(auth);
        state = (res.body as { state?: string }).state;
        if (state === 'failed') throw new Error(`job ${jobId} failed: ${JSON.stringify(res.body)}`);
        return state === 'completed';
      },
      { timeoutMs: 15_000, intervalMs: 50, what: `job ${jobId} to complete (last: ${state})` },
    );
  }

  /** Whether following parents from `span` within `spans` reaches `ancestor`. */
  function descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan, spans: ReceivedSpan[]) {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (let s: ReceivedSpan | undefined = span; s; s = byId.get(s.parentSpanId ?? '')) {
      if (s.parentSpanId === ancestor.spanId) return true;
    }
    return false;
  }

  beforeAll(async () => {
    await Promise.all([apiReceiver.start(), workerReceiver.start()]);
    const env = {
      TELEMETRY_TRACING: 'docscale',
      TELEMETRY_TRACE_SAMPLE_RATIO: '1',
      QUEUE_PREFIX: prefix,
      // Toggles of its own: no other suite's QUEUE=off can reach these processes.
      TOGGLES_KEY_PREFIX: `${prefix}:toggles`,
      // Spans reach the receivers within a poll, not after the 5 s default batch delay.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    const spawned = await Promise.all([
      spawnProcess('main', { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: apiReceiver.url }),
      spawnProcess('worker', { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: workerReceiver.url }),
    ]);
    started.push(...spawned);
    [api, worker] = spawned;
    await Promise.all(spawned.map((i) => waitReady(i)));
    auth = { Authorization: `Bearer ${(await newTenant('queue-telemetry')).key}` };

    const created = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 'Traced', body: '# Traced\n\nThrough the outbox, the relay and a worker.' })
      .expect(201);
    const doc = created.body as { id: string; version: number };
    const indexId = `index-${doc.id}-v${doc.version}`;
    await waitCompleted(indexId);
    const requested = await request(api.url)
      .post(`/v1/documents/${doc.id}/exports`)
      .set(auth)
      .expect(202);
    const exportId = (requested.body as { id: string }).id;
    await waitCompleted(exportId);

    [index, exported] = await Promise.all([
      traceOf(indexId, 'POST /v1/documents'),
      traceOf(exportId, 'POST /v1/documents/:id/exports'),
    ]);
  });

  afterAll(async () => {
    await stopAll(started);
    await Promise.all([apiReceiver.stop(), workerReceiver.stop()]);
    await dropQueue(prefix);
  });

  describe.each([
    ['the index job (outbox, relay)', () => index],
    ['the export job (enqueued by the request)', () => exported],
  ])('%s', (_label, job) => {
    it('has the request, publish and process spans in one trace', () => {
      const { server, publish, process } = job();

      expect(publish.traceId).toBe(server.traceId);
      expect(process.traceId).toBe(server.traceId);
    });

    it('publishes with a producer span of the API, inside the request’s trace', () => {
      const { server, publish, apiTrace } = job();

      expect(publish.kind).toBe(KIND.PRODUCER);
      expect(publish.attributes).toMatchObject({
        'messaging.system': 'bullmq',
        'messaging.destination.name': 'documents',
        'messaging.operation.type': 'send',
      });
      expect(apiTrace.map((s) => s.spanId)).toContain(publish.parentSpanId);
      expect(descendsFrom(publish, server, apiTrace)).toBe(true);
    });

    it('processes with a consumer span of the worker, child of the publish span', () => {
      const { publish, process } = job();

      expect(process.kind).toBe(KIND.CONSUMER);
      expect(process.parentSpanId).toBe(publish.spanId);
    });
  });

  it('traces each request and its job apart', () => {
    expect(exported.server.traceId).not.toBe(index.server.traceId);
  });

  it('exports no queue span from the wrong process', () => {
    expect(workerReceiver.spans.some((s) => s.name === 'publish documents')).toBe(false);
    expect(apiReceiver.spans.some((s) => s.name === 'process documents')).toBe(false);
  });

  /** `url`'s Prometheus exposition. */
  const metricsOf = async (url: string): Promise<string> =>
    (await request(url).get('/metrics').expect(200)).text;

  /** The samples of `name` (exactly, labels aside) in `text`, as numbers. */
  function samples(text: string, name: string, labels: Record<string, string> = {}): number[] {
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .filter((line) => wanted.every((pair) => line.includes(pair)))
      .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
  }

  it('reports the queue depth from the worker', async () => {
    const text = await metricsOf(worker.adminUrl);

    expect(text).toMatch(/^# TYPE docscale_queue_depth gauge$/m);
    // Both jobs have run: nothing of this suite's queue is waiting.
    expect(samples(text, 'docscale_queue_depth')).toEqual([0]);
  });

  it('reports how long each job waited and ran, by job name, from the worker', async () => {
    const text = await metricsOf(worker.adminUrl);

    expect(text).toMatch(/^# TYPE docscale_job_wait histogram$/m);
    expect(text).toMatch(/^# TYPE docscale_job_duration histogram$/m);
    for (const name of ['index', 'export']) {
      expect(samples(text, 'docscale_job_wait_count', { job_name: name })).toEqual([1]);
      expect(
        samples(text, 'docscale_job_duration_count', { job_name: name, job_outcome: 'applied' }),
      ).toEqual([1]);
    }
  });

  it('reports the outbox backlog and its lag from the API, which relays', async () => {
    const text = await metricsOf(api.adminUrl);

    expect(text).toMatch(/^# TYPE docscale_outbox_pending gauge$/m);
    expect(text).toMatch(/^# TYPE docscale_outbox_lag gauge$/m);
    // The index job's row was relayed: nothing waits in this queue's outbox.
    expect(samples(text, 'docscale_outbox_pending')).toEqual([0]);
    expect(samples(text, 'docscale_outbox_lag')).toEqual([0]);
  });

  it('names both processes service docscale, the resource their spans are exported under', async () => {
    for (const url of [api.adminUrl, worker.adminUrl]) {
      const text = await metricsOf(url);
      expect(text).toMatch(/^target_info\{[^}]*service_name="docscale"/m);
    }
  });
});

/** Removes the suite's queue from Redis, and its rows from the outbox. */
async function dropQueue(prefix: string): Promise<void> {
  const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:56379', {
    maxRetriesPerRequest: null,
  });
  const queue = new Queue('documents', { connection, prefix });
  const pool = new Pool({
    connectionString:
      process.env.DATABASE_PRIMARY_URL ?? 'postgres://docscale:docscale@127.0.0.1:55432/docscale',
    max: 1,
  });
  try {
    await queue.obliterate({ force: true });
    const toggles = await connection.keys(`${prefix}:toggles*`);
    if (toggles.length > 0) await connection.del(...toggles);
    await pool.query('DELETE FROM outbox WHERE queue = $1', [`${prefix}:documents`]);
  } finally {
    await queue.close();
    connection.disconnect();
    await pool.end();
  }
}
