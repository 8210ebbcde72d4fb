/**
 * The queue suites' helpers: a queue of their own per process group, jobs polled to a state
 * through the API, and the Postgres state (indexed versions, outbox rows) read directly.
 */
import { randomUUID } from 'node:crypto';
// pattern:queue:begin
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
// pattern:queue:end
import { Pool } from 'pg';
// pattern:queue:begin
import { pollUntil } from './poll';
// pattern:queue:end
import { percentile as nearestRank } from '../../scripts/experiments/recorder';

// pattern:queue:begin
/** What `GET /v1/jobs/:id` answers. */
export interface JobBody {
  id: string;
  name: string;
  state: string;
  progress: number;
  attemptsMade: number;
  documentId: string;
  version: number;
  failedReason?: string;
  result?: { outcome?: string; reason?: string; artifact?: string };
  links: { self: string; artifact?: string; retry?: string };
}
// pattern:queue:end

/**
 * Env for processes that share one queue nobody else uses: its BullMQ keys, its outbox rows
 * (`<prefix>:documents`) and its runtime toggles (so no other suite's override applies).
 */
export function isolatedQueue(): { prefix: string; env: Record<string, string> } {
  const prefix = `docscale:test:queue:${randomUUID()}`;
  // pattern:queue:begin
  return { prefix, env: { QUEUE_PREFIX: prefix, TOGGLES_KEY_PREFIX: `${prefix}:toggles` } };
  // pattern:queue:else
  // return { prefix, env: { TOGGLES_KEY_PREFIX: `${prefix}:toggles` } };
  // pattern:queue:end
}

// pattern:queue:begin
/** Removes everything a suite's queue left in Redis. */
export async function dropQueue(prefix: string): Promise<void> {
  const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:56379', {
    maxRetriesPerRequest: null,
  });
  const queue = new Queue('documents', { connection, prefix });
  try {
    await queue.obliterate({ force: true });
    // The toggles, and the per-tenant job index (libs/queue job-index.ts) obliterate leaves.
    const left = await connection.keys(`${prefix}:toggles:*`);
    left.push(...(await connection.keys(`${prefix}:documents:owner:*`)));
    if (left.length > 0) await connection.del(...left);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

export async function getJob(
  url: string,
  headers: Record<string, string>,
  id: string,
): Promise<{ status: number; body: JobBody }> {
  const res = await fetch(`${url}/v1/jobs/${id}`, { headers });
  return { status: res.status, body: (await res.json()) as JobBody };
}

/**
 * Polls `GET /v1/jobs/:id` until the job is in `state`. Waiting for `completed`, a job that lands
 * in `failed` fails at once with its reason rather than at the deadline.
 */
export async function waitForJob(
  url: string,
  headers: Record<string, string>,
  id: string,
  state: string,
  timeoutMs = 10_000,
): Promise<JobBody> {
  let job: JobBody | undefined;
  await pollUntil(
    async () => {
      const res = await getJob(url, headers, id);
      if (res.status !== 200) return false;
      job = res.body;
      if (state === 'completed' && job.state === 'failed')
        throw new Error(`job ${id} failed: ${job.failedReason}`);
      return job.state === state;
    },
    { timeoutMs, intervalMs: 50, what: `job ${id} to be ${state} (last: ${job?.state})` },
  );
  return job!;
}
// pattern:queue:end

let pool: Pool | undefined;

/**
 * The primary, read directly as the owner: what the jobs wrote, not what the API shows, of every
 * tenant (row-level security applies to the app role only).
 */
export function primary(): Pool {
  pool ??= new Pool({
    connectionString:
      process.env.DATABASE_OWNER_URL ?? 'postgres://docscale:docscale@127.0.0.1:55432/docscale',
    max: 2,
  });
  return pool;
}

export async function closePrimary(): Promise<void> {
  await pool?.end();
  pool = undefined;
}

/** Documents of the tenant whose search data is not at their current version. */
export async function unindexed(tenantId: string): Promise<number> {
  const { rows } = await primary().query<{ n: string }>(
    `SELECT count(*) AS n FROM documents
      WHERE tenant_id = $1 AND indexed_version IS DISTINCT FROM version`,
    [tenantId],
  );
  return Number(rows[0].n);
}

export async function indexedVersion(tenantId: string, id: string): Promise<number | null> {
  const { rows } = await primary().query<{ v: number | null }>(
    `SELECT indexed_version AS v FROM documents WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  return rows[0]?.v ?? null;
}

// pattern:queue:begin
/** Outbox rows (sent or not) that name the document in their job id. */
export async function outboxRows(documentId: string): Promise<number> {
  const { rows } = await primary().query<{ n: string }>(
    `SELECT count(*) AS n FROM outbox WHERE job_id LIKE $1 OR job_id LIKE $2`,
    [`index-${documentId}%`, `export-${documentId}%`],
  );
  return Number(rows[0].n);
}
// pattern:queue:end

/** The p-th percentile (0 to 100) of `samples`, nearest rank (the experiments' own, unsorted in). */
export function percentile(samples: number[], p: number): number {
  return nearestRank(
    [...samples].sort((a, b) => a - b),
    p / 100,
  );
}
