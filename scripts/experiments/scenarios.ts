/**
 * The workloads, one function each. Request mixes are fixed per scenario; what varies between
 * configurations is only the toggles, so their numbers can be compared. Reads pick ids with a
 * Zipf distribution (zipf.ts): a few hot documents, a long cold tail.
 */
import type autocannon from 'autocannon';
import { memberOutages } from './member-outages'; // pattern:breakers
import { noisyTenant } from './noisy-tenant'; // pattern:rate-limit
import { overload } from './overload'; // pattern:shedding
// pattern:queue:begin
import { queueBurst } from './queue-burst';
// pattern:queue:end
// pattern:read-replicas:begin
import { readAfterWrite } from './read-after-write';
import { replicaLag } from './replica-lag';
// pattern:read-replicas:end
import { restartUnderLoad } from './restart-under-load';
// pattern:cache,queue,rate-limit:begin
import { newDocument, Scenario, ScenarioContext, stack } from './scenario-context';
// pattern:cache,queue,rate-limit:else
// import { newDocument, Scenario, ScenarioContext } from './scenario-context';
// pattern:cache,queue,rate-limit:end

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

// pattern:cache,queue,rate-limit:begin
/** Redis stopped for the middle third: L2 and the queue are gone, reads must go on. */
const redisOutage: Scenario = async (ctx) => {
  ctx.finally(() => stack('start-member', 'redis'));
  ctx.at(ctx.seconds / 3, 'stop redis', () => stack('stop-member', 'redis'));
  ctx.at((ctx.seconds * 2) / 3, 'start redis', () => stack('start-member', 'redis'));
  await ctx.load({ connections: 20, seconds: ctx.seconds, requests: [read(ctx)] });
};
// pattern:cache,queue,rate-limit:end

export const SCENARIOS: Record<string, Scenario> = {
  'read-heavy': readHeavy,
  'write-heavy': writeHeavy,
  mixed,
  spike,
  'read-after-write': readAfterWrite, // pattern:read-replicas
  'replica-lag': replicaLag(mixed), // pattern:read-replicas
  'redis-outage': redisOutage, // pattern:cache,queue,rate-limit
  // pattern:queue:begin
  'queue-burst': queueBurst,
  // pattern:queue:end
  'rate-limit': noisyTenant, // pattern:rate-limit
  breakers: memberOutages, // pattern:breakers
  'rolling-restart': restartUnderLoad,
  shedding: overload, // pattern:shedding
};

/**
 * The configurations a scenario runs in when `--compare` names none (otherwise `defaults`): the
 * pattern it shows switched on (the experiments start with RATE_LIMIT off, topology.ts), or on
 * and off side by side, in one run.
 */
export const CONFIGURATIONS: Record<string, string> = {
  'rate-limit': 'RATE_LIMIT=on', // pattern:rate-limit
  // pattern:breakers:begin
  // pattern:rate-limit:begin
  // Stopping Redis then opens the rate limiter's Redis breaker too, beside the cache's.
  breakers: 'RATE_LIMIT=on',
  // pattern:rate-limit:end
  // pattern:breakers:end
  shedding: 'LOAD_SHEDDING=on|LOAD_SHEDDING=off', // pattern:shedding
};
