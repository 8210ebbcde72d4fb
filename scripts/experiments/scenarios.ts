/**
 * The workloads, one function each. Request mixes are fixed per scenario; what varies between
 * configurations is only the toggles, so their numbers can be compared. Reads pick ids with a
 * Zipf distribution (zipf.ts): a few hot documents, a long cold tail.
 */
import type autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAME } from '../../src/documents/jobs/queue-options';
import { pacedLoad } from './paced-load';
import { readAfterWrite } from './read-after-write';
import { percentile } from './recorder';
import { newDocument, Scenario, ScenarioContext, stack } from './scenario-context';
import type { Topology } from './topology';
import { apiClient } from '../api-client/client';

const JSON_BODY = { 'content-type': 'application/json' };

function read(ctx: ScenarioContext): autocannon.Request {
  return {
    method: 'GET',
    setupRequest: (r) => ({ ...r, path: `/v1/documents/${ctx.zipf.next()}` }),
  };
}

let written = 0;
function write(): autocannon.Request {
  return {
    method: 'POST',
    path: '/v1/documents',
    headers: JSON_BODY,
    setupRequest: (r) => ({ ...r, body: newDocument(written++) }),
  };
}

const readHeavy: Scenario = async (ctx) => {
  await ctx.load({ connections: 50, seconds: ctx.seconds, requests: [read(ctx)] });
};

const writeHeavy: Scenario = async (ctx) => {
  await ctx.load({
    connections: 20,
    seconds: ctx.seconds,
    requests: [write(), write(), read(ctx)],
  });
};

/** Nine reads to one write: a typical document service. */
const mixed: Scenario = async (ctx) => {
  const requests = [...Array.from({ length: 9 }, () => read(ctx)), write()];
  await ctx.load({ connections: 50, seconds: ctx.seconds, requests });
};

/** 10× the connections for a fifth of the run, in the middle. */
const spike: Scenario = async (ctx) => {
  const spikeSeconds = Math.max(1, Math.round(ctx.seconds / 5));
  const startAt = Math.max(0, Math.round((ctx.seconds - spikeSeconds) / 2));
  ctx.at(startAt, `spike ×10 for ${spikeSeconds} s`, async () => {
    void ctx.load({ connections: 90, seconds: spikeSeconds, requests: [read(ctx)] });
  });
  await ctx.load({ connections: 10, seconds: ctx.seconds, requests: [read(ctx)] });
};

/** Reads and writes while the replica applies WAL late (then on time again). */
const replicaLag: Scenario = async (ctx) => {
  ctx.finally(() => stack('replica-delay', '0'));
  ctx.at(ctx.seconds / 4, 'replica delay 1000 ms', () => stack('replica-delay', '1000'));
  ctx.at((ctx.seconds * 3) / 4, 'replica delay 0', () => stack('replica-delay', '0'));
  await mixed(ctx);
};

/** Redis stopped for the middle third: L2 and the queue are gone, reads must go on. */
const redisOutage: Scenario = async (ctx) => {
  ctx.finally(() => stack('start-member', 'redis'));
  ctx.at(ctx.seconds / 3, 'stop redis', () => stack('stop-member', 'redis'));
  ctx.at((ctx.seconds * 2) / 3, 'start redis', () => stack('start-member', 'redis'));
  await ctx.load({ connections: 20, seconds: ctx.seconds, requests: [read(ctx)] });
};

/**
 * Reads at a steady rate, and a burst of export requests a quarter of the way in. SPEC's bar:
 * the API's p99 while the workers drain the burst stays within 2× its p99 before it, since the
 * queue, not the API, absorbs the work, and is back to it once the queue is empty. Three windows
 * of the same reads: idle (before the burst), burst (until the run's queue has no job waiting,
 * delayed or running) and after the drain. The reads are paced (open loop, evenly spaced) well
 * below the API's capacity: a saturating closed-loop load would measure its own queueing, not
 * the burst's effect. The worker runs on the load generator's core (topology.ts).
 */
const queueBurst: Scenario = async (ctx) => {
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
        ctx.extra.drainSeconds = round((performance.now() - started) / 1000);
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
  const p99 = (latencies: number[]) =>
    percentile(
      [...latencies].sort((a, b) => a - b),
      0.99,
    );
  const all = ctx.recorder.all;
  const idle = p99(all.slice(0, marks.burst ?? all.length));
  const during = p99(all.slice(marks.burst ?? all.length, marks.drained ?? all.length));
  ctx.extra.idleP99Ms = round(idle);
  ctx.extra.burstP99Ms = round(during);
  ctx.extra.burstP99Ratio = idle > 0 ? round(during / idle) : 'n/a';
  if (marks.drained === undefined || marks.drained >= all.length) {
    ctx.extra.afterDrainP99Ms = 'not drained before the run ended';
    return;
  }
  const after = p99(all.slice(marks.drained));
  ctx.extra.afterDrainP99Ms = round(after);
  ctx.extra.afterDrainP99Ratio = idle > 0 ? round(after / idle) : 'n/a';
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

const round = (x: number) => Math.round(x * 100) / 100;

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

export const SCENARIOS: Record<string, Scenario> = {
  'read-heavy': readHeavy,
  'write-heavy': writeHeavy,
  mixed,
  spike,
  'read-after-write': readAfterWrite,
  'replica-lag': replicaLag,
  'redis-outage': redisOutage,
  'queue-burst': queueBurst,
};
