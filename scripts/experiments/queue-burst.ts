/**
 * The queue-burst scenario (scenarios.ts lists it): exports flood the queue while reads go on.
 * A file of its own so that `npm run pattern:remove -- queue` takes it with the queue.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAME } from '../../src/documents/jobs/queue-options';
import { apiClient } from '../api-client/client';
import { pacedLoad } from './paced-load';
import { hundredths, percentileOf } from './recorder';
import type { Scenario } from './scenario-context';
import type { Topology } from './topology';

/**
 * Reads at a steady rate, and a burst of export requests a quarter of the way in. SPEC's bar:
 * the API's p99 while the workers drain the burst stays within 2× its p99 before it, since the
 * queue, not the API, absorbs the work, and is back to it once the queue is empty. Three windows
 * of the same reads: idle (before the burst), burst (until the run's queue has no job waiting,
 * delayed or running) and after the drain. The reads are paced (open loop, evenly spaced) well
 * below the API's capacity: a saturating closed-loop load would measure its own queueing, not
 * the burst's effect. The worker runs on the load generator's core (topology.ts).
 */
export const queueBurst: Scenario = async (ctx) => {
  const burst = ctx.topology.ids.slice(0, ctx.smoke ? 20 : 500);
  const marks: { burst?: number; drained?: number } = {};
  let drain: Promise<void> = Promise.resolve();
  const exports = apiClient(ctx.topology.url, ctx.topology.key);
  ctx.at(ctx.seconds / 4, `burst of ${burst.length} exports`, async () => {
    marks.burst = ctx.recorder.all.length;
    const started = performance.now();
    const sending = sendAll(burst, BURST_SENDERS, (id) =>
      exports.POST('/v1/documents/{id}/exports', { params: { path: { id } } }).then(
        ({ response }) => response.status,
        () => 0,
      ),
    );
    // Drained: every export answered (a 202 means the queue has it), then the queue empty.
    drain = sending
      .then(() => untilDrained(ctx.topology, started + ctx.seconds * 1000))
      .then((drained) => {
        if (!drained) return;
        marks.drained = ctx.recorder.all.length;
        ctx.extra.drainSeconds = hundredths((performance.now() - started) / 1000);
      });
    const statuses = await sending;
    ctx.extra.exportsAccepted = statuses.filter((s) => s === 202 || s === 201).length;
    ctx.extra.exportsFailed = statuses.filter((s) => s === 0 || s >= 500).length;
  });
  ctx.extra.exportsRequested = burst.length;
  await pacedLoad({
    rate: ctx.smoke ? 50 : BURST_READ_RATE,
    seconds: ctx.seconds,
    next: () => `${ctx.topology.url}/v1/documents/${ctx.zipf.next()}`,
    headers: { authorization: `Bearer ${ctx.topology.key}` },
    recorder: ctx.recorder,
  });
  await drain;
  const p99 = (latencies: number[]) => percentileOf(latencies, 0.99);
  const all = ctx.recorder.all;
  const idle = p99(all.slice(0, marks.burst ?? all.length));
  const during = p99(all.slice(marks.burst ?? all.length, marks.drained ?? all.length));
  ctx.extra.idleP99Ms = hundredths(idle);
  ctx.extra.burstP99Ms = hundredths(during);
  ctx.extra.burstP99Ratio = idle > 0 ? hundredths(during / idle) : 'n/a';
  if (marks.drained === undefined || marks.drained >= all.length) {
    ctx.extra.afterDrainP99Ms = 'not drained before the run ended';
    return;
  }
  const after = p99(all.slice(marks.drained));
  ctx.extra.afterDrainP99Ms = hundredths(after);
  ctx.extra.afterDrainP99Ratio = idle > 0 ? hundredths(after / idle) : 'n/a';
};

/** Reads per second during queue-burst: about a fifth of what two instances on one core serve. */
const BURST_READ_RATE = 400;

/**
 * Polls the run's queue until no job is waiting, delayed or running (true), or `deadline`
 * (performance.now() ms) passes (false).
 */
async function untilDrained(topology: Topology, deadline: number): Promise<boolean> {
  // Commands fail rather than wait for a Redis that is down: the deadline must hold.
  const connection = new Redis(topology.redisUrl, {
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
  });
  const queue = new Queue(QUEUE_NAME, { prefix: topology.queuePrefix, connection });
  try {
    while (performance.now() < deadline) {
      const counts = await queue
        .getJobCounts('waiting', 'active', 'delayed', 'prioritized')
        .catch(() => undefined);
      if (counts !== undefined && Object.values(counts).every((n) => n === 0)) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/**
 * Senders the burst uses at once: as fast as 50 clients can post, ten times the reads' 10
 * connections. Not one connection per export: 500 at once would overrun the balancer's
 * worker_connections (each proxied request holds two), and measure nginx, not the queue.
 */
const BURST_SENDERS = 50;

/** `send` over every item, `senders` at a time; results in the items' order. */
async function sendAll<T, R>(items: T[], senders: number, send: (item: T) => Promise<R>) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const sender = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await send(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(senders, items.length) }, sender));
  return results;
}
