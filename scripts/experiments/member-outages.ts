/**
 * The breakers scenario (scenarios.ts lists it): reads and writes paced through the balancer
 * while the stack's members fail in turn. First the primary is stopped for a stretch: the
 * primary's breaker opens on each instance, writes are refused at once with 503 + Retry-After
 * instead of each waiting out a connection attempt, and reads go on from the cache and the
 * replica. Once writes are accepted again, Redis is stopped for a stretch: the cache's and the
 * rate limiter's Redis breakers open (the scenario runs with RATE_LIMIT=on, scenarios.ts) and every
 * request is still served, from the database and local limits. Each answer is judged by when it
 * was sent. A file of its own so that `npm run pattern:remove -- breakers` takes it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { AppConfig } from '../../src/config';
import { type Answer, pacedLoad, type PacedRequest, tally } from './paced-load';
import { percentileOf, tenths } from './recorder';
import {
  newDocument,
  readiness,
  type Scenario,
  type ScenarioContext,
  stack,
} from './scenario-context';

/** Requests per second, paced: well within what one busy core serves, so latency is the faults'. */
const RATE = 50;
/** Their mix: reads by id and listings (cache, then replica), and writes. */
const MIX = { reads: 2, listings: 2, writes: 1 };
/** A refusal does no work (no query, no connection attempt); this leaves room for a busy machine. */
const FAST_MS = 100;

type Kind = keyof typeof MIX;
interface Sent extends Answer {
  kind: Kind;
}

export const memberOutages: Scenario = async (ctx) => {
  const { topology } = ctx;
  const stretchMs = Math.max(1.5, ctx.seconds / 4) * 1000;
  const answers: Sent[] = [];
  let finished = false;
  const load = pacedLoad({
    rate: RATE,
    seconds: 600,
    until: () => finished,
    next: nextRequest(ctx),
    headers: { authorization: `Bearer ${topology.key}` },
    recorder: ctx.recorder,
    onAnswer: (a, request) => answers.push({ ...a, kind: kindOf(request) }),
  });
  ctx.finally(() => stack('start-member', 'primary'));
  ctx.finally(() => stack('start-member', 'redis')); // pattern:cache,rate-limit
  // Marked as each stop or start begins (a stop takes about a second, during which requests
  // already fail: the phase table counts them in the outage), and judged from the member's being
  // down to its restart's beginning, when the breakers have the failures they open on.
  const outage = async (member: 'primary' | 'redis', during?: () => Promise<void>) => {
    ctx.mark(`stop ${member}`);
    await stack('stop-member', member);
    const from = performance.now();
    await delay(stretchMs);
    await during?.();
    const to = performance.now();
    ctx.mark(`start ${member}`);
    await stack('start-member', member);
    return (a: Sent) => a.sentAt >= from && a.sentAt < to;
  };
  let primaryBreakers: string[] = [];
  let recoverySeconds: number | undefined;
  try {
    await delay(Math.max(0.5, ctx.seconds / 5) * 1000);
    const primaryDown = await outage('primary', async () => {
      primaryBreakers = await breakerStates(ctx, 'primary');
    });
    recoverySeconds = await writesAgain(ctx);
    if (recoverySeconds !== undefined) ctx.mark('writes accepted again');
    // pattern:cache,rate-limit:begin
    const redisDown = await outage('redis');
    // pattern:cache,rate-limit:end
    await delay(Math.max(0.5, ctx.seconds / 5) * 1000);
    finished = true;
    await load;
    judgePrimaryOutage(ctx, answers.filter(primaryDown), primaryBreakers, recoverySeconds);
    // pattern:cache,rate-limit:begin
    const inRedisOutage = answers.filter(redisDown);
    const served = inRedisOutage.filter((a) => a.status >= 200 && a.status < 300);
    ctx.expectations.push({
      name: 'requests served while Redis is stopped',
      expected: 'all answered 2xx (the database and local limits stand in)',
      actual: `${served.length} of ${inRedisOutage.length} 2xx (${tally(inRedisOutage)})`,
      pass: inRedisOutage.length > 0 && served.length === inRedisOutage.length,
    });
    // pattern:cache,rate-limit:end
  } finally {
    finished = true;
    await load;
  }
};

function judgePrimaryOutage(
  ctx: ScenarioContext,
  outage: Sent[],
  breakers: string[],
  recoverySeconds: number | undefined,
): void {
  const writes = outage.filter((a) => a.kind === 'writes');
  const refused = writes.filter((a) => a.status === 503 && Number(a.retryAfter) >= 1);
  const refusedP99 = percentileOf(
    refused.map((a) => a.ms),
    0.99,
  );
  const reads = outage.filter((a) => a.kind !== 'writes');
  const readsServed = reads.filter((a) => a.status === 200).length;
  Object.assign(ctx.extra, {
    writesInPrimaryOutage: writes.length,
    writesRefused: refused.length,
    refusedP99Ms: tenths(refusedP99),
    readsInPrimaryOutage: reads.length,
    readsServed,
  });
  const connectTimeoutMs = AppConfig.load().env.DATABASE_CONNECT_TIMEOUT_MS;
  ctx.expectations.push(
    {
      name: 'writes refused with 503 + Retry-After while the primary is stopped',
      expected: 'every write sent in the outage',
      actual: `${refused.length} of ${writes.length} (${tally(writes)})`,
      pass: writes.length > 0 && refused.length === writes.length,
    },
    {
      name: 'the refusals are fast',
      expected: `p99 ≤ ${FAST_MS} ms (a connection attempt may take ${connectTimeoutMs} ms)`,
      actual: `p99 ${refusedP99.toFixed(1)} ms`,
      pass: refused.length > 0 && refusedP99 <= FAST_MS,
    },
    {
      name: "the primary's breaker opened on every instance",
      expected: 'open (or half-open: probing)',
      actual: breakers.join(', ') || 'unknown',
      pass: breakers.length > 0 && breakers.every((s) => s === 'open' || s === 'half-open'),
    },
    // pattern:read-replicas:begin
    {
      name: 'reads served while the primary is stopped (cache and replica)',
      expected: 'all answered 200',
      actual: `${readsServed} of ${reads.length} (${tally(reads)})`,
      pass: reads.length > 0 && readsServed === reads.length,
    },
    // pattern:read-replicas:else
    // {
    //   // Without a replica, a read the cache cannot answer is refused as a write is.
    //   name: 'reads served from the cache or refused with 503 + Retry-After',
    //   expected: 'no other answer',
    //   actual: tally(reads),
    //   pass: reads.every((a) => a.status === 200 || (a.status === 503 && a.retryAfter)),
    // },
    // pattern:read-replicas:end
    {
      name: 'writes accepted again once the primary is back',
      expected: 'within 30 s on every instance, without a restart',
      actual: recoverySeconds === undefined ? 'not within 30 s' : `after ${recoverySeconds} s`,
      pass: recoverySeconds !== undefined,
    },
  );
}

/** Reads by id, listings and writes in MIX's proportions. */
function nextRequest(ctx: ScenarioContext): () => PacedRequest {
  const cycle: Kind[] = (Object.keys(MIX) as Kind[]).flatMap((k) =>
    Array.from({ length: MIX[k] }, () => k),
  );
  let n = 0;
  const url = ctx.topology.url;
  return () => {
    const kind = cycle[n++ % cycle.length];
    if (kind === 'reads') return { url: `${url}/v1/documents/${ctx.zipf.next()}` };
    if (kind === 'listings') return { url: `${url}/v1/documents?limit=5` };
    return {
      url: `${url}/v1/documents`,
      method: 'POST',
      body: newDocument(n),
      headers: { 'content-type': 'application/json' },
    };
  };
}

function kindOf(request: PacedRequest): Kind {
  if (request.method === 'POST') return 'writes';
  return request.url.includes('?') ? 'listings' : 'reads';
}

/** Each instance's view of one breaker, from /health/ready. */
async function breakerStates(ctx: ScenarioContext, name: string): Promise<string[]> {
  return Promise.all(
    ctx.topology.apis.map(async (api) => (await readiness(api))?.breakers?.[name] ?? 'unknown'),
  );
}

/**
 * Seconds until a write through the balancer is accepted again and the primary's breaker is
 * closed on every instance; undefined after 30 s. Each instance's breaker opened on its own
 * failures and waits out its own cool-down before a probe can close it, so one instance may accept
 * writes seconds before the other does: the next outage starts only once both do, or its answers
 * would count the first outage's refusals.
 */
async function writesAgain(ctx: ScenarioContext): Promise<number | undefined> {
  const started = performance.now();
  let accepted = false;
  while (performance.now() - started < 30_000) {
    if (!accepted) {
      const res = await fetch(`${ctx.topology.url}/v1/documents`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ctx.topology.key}`,
          'content-type': 'application/json',
        },
        body: newDocument(0),
      }).catch(() => undefined);
      await res?.arrayBuffer();
      accepted = res?.status === 201;
    }
    if (accepted && (await breakerStates(ctx, 'primary')).every((s) => s === 'closed')) {
      return tenths((performance.now() - started) / 1000);
    }
    await delay(200);
  }
  return undefined;
}
