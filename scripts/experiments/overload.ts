/**
 * The shedding scenario (scenarios.ts lists it; it runs as two configurations, LOAD_SHEDDING on
 * and off, in one run): listings offered, open loop, at three times the capacity measured first
 * (closed loop, once per run, so both configurations get the same offered rate). With shedding,
 * an instance past its in-flight bound answers 503 + Retry-After at once, and the requests it
 * admits keep their latency: their p99 within the SLO (`--slo-ms`). Without it every request
 * queues behind the backlog, and p99 grows past the SLO: the negative control. The load generator
 * holds at most MAX_IN_FLIGHT requests; sends past that are skipped and counted. A file of its
 * own so that `npm run pattern:remove -- shedding` takes it.
 *
 * Capacity and overload both go straight to the instances, in turn, on a route that costs the
 * server far more than the client (a listing of LISTING documents): with reads by id (mostly L1
 * hits) the instances served more than this process, one Node on one core, could offer, and the
 * queue formed in the load generator, where shedding cannot act.
 */
import { runLoad } from './load';
import { type Answer, pacedLoad, tally } from './paced-load';
import { LoadRecorder, percentileOf, tenths } from './recorder';
import type { Scenario, ScenarioContext } from './scenario-context';
import { toggleIsOn } from './toggles';
import type { Topology } from './topology';

/** Offered rate ÷ measured capacity. */
const OVERLOAD = 3;
/**
 * The same in a smoke run, which checks the mechanism only: its capacity is measured for 1 s on
 * processes just started, and read as little as 229/s where warm ones serve 800-1,500, so 3× that
 * was no overload (CI-like run: 0 shed of 1,027).
 */
const SMOKE_OVERLOAD = 10;
/** Requests the load generator holds in flight: several times the instances' bound (64 each). */
const MAX_IN_FLIGHT = 400;
/** Connections per instance that measure the capacity: under its in-flight bound (topology.ts). */
const CAPACITY_CONNECTIONS = 8;
/** Documents per listing: the overload's request. */
const LISTING = 50;

/** Listings per second served at capacity, per topology: measured by the first configuration. */
const capacities = new WeakMap<Topology, number>();

export const overload: Scenario = async (ctx) => {
  const shedding = await toggleIsOn(ctx.topology, 'LOAD_SHEDDING');
  const capacity = capacities.get(ctx.topology) ?? (await measureCapacity(ctx));
  if (!(capacity > 0))
    throw new Error('shedding: no listing was answered 200 while measuring capacity');
  capacities.set(ctx.topology, capacity);
  const factor = ctx.smoke ? SMOKE_OVERLOAD : OVERLOAD;
  const rate = Math.round(capacity * factor);
  ctx.mark(`overload: ${rate} listings/s`);
  const answers: Answer[] = [];
  // Straight to the instances, in turn: shedding is each process's own bound, and through nginx
  // (one worker process, unpinned) the queue formed in nginx, where no instance could see it.
  const { apis } = ctx.topology;
  let n = 0;
  const { sent, skipped } = await pacedLoad({
    rate,
    seconds: ctx.seconds,
    next: () => `${apis[n++ % apis.length].url}${LISTING_PATH}`,
    headers: { authorization: `Bearer ${ctx.topology.key}` },
    recorder: ctx.recorder,
    maxInFlight: MAX_IN_FLIGHT,
    onAnswer: (a) => answers.push(a),
  });
  const admitted = answers.filter((a) => a.status === 200).map((a) => a.ms);
  const shed = answers.filter((a) => a.status === 503);
  const p = (values: number[], q: number) => tenths(percentileOf(values, q));
  const all = answers.map((a) => a.ms);
  Object.assign(ctx.extra, {
    capacityPerSecond: Math.round(capacity),
    offeredPerSecond: rate,
    sent,
    skipped,
    admitted: admitted.length,
    shed: shed.length,
    admittedP99Ms: p(admitted, 0.99),
    shedP99Ms: p(
      shed.map((a) => a.ms),
      0.99,
    ),
  });
  const offered = `${rate} listings/s offered (${factor}× ${Math.round(capacity)}), ${sent} sent`;
  if (!shedding) {
    ctx.expectations.push({
      name: 'without shedding, p99 grows past the SLO',
      expected: `p99 > ${ctx.sloMs} ms`,
      actual: `p99 ${p(all, 0.99)} ms, ${tally(answers)}; ${offered}`,
      pass: p(all, 0.99) > ctx.sloMs,
    });
    return;
  }
  const shedP50 = p(
    shed.map((a) => a.ms),
    0.5,
  );
  ctx.expectations.push(
    {
      name: 'the excess is refused with 503 + Retry-After',
      expected: 'some 503s, each with Retry-After',
      actual: `${shed.length} of ${answers.length} (${tally(answers)}); ${offered}`,
      pass: shed.length > 0 && shed.every((a) => a.retryAfter),
    },
    {
      name: 'a refusal is faster than an admitted request',
      expected: 'p50 of the 503s < p50 of the 200s',
      actual: `${shedP50} ms against ${p(admitted, 0.5)} ms`,
      pass: shed.length > 0 && shedP50 < p(admitted, 0.5),
    },
    {
      name: "the admitted requests' p99 stays within the SLO",
      expected: `≤ ${ctx.sloMs} ms`,
      actual: `${p(admitted, 0.99)} ms over ${admitted.length} admitted`,
      pass: admitted.length > 0 && p(admitted, 0.99) <= ctx.sloMs,
    },
  );
};

const LISTING_PATH = `/v1/documents?limit=${LISTING}`;

/** 200s per second of a closed-loop load of listings on every instance at once (not the run's). */
async function measureCapacity(ctx: ScenarioContext): Promise<number> {
  const seconds = ctx.smoke ? 1 : Math.max(2, ctx.seconds / 4);
  const recorder = new LoadRecorder();
  await Promise.all(
    ctx.topology.apis.map((api) =>
      runLoad({
        url: api.url,
        connections: CAPACITY_CONNECTIONS,
        seconds,
        headers: { authorization: `Bearer ${ctx.topology.key}` },
        requests: [{ path: LISTING_PATH }],
        recorder,
      }),
    ),
  );
  return (recorder.statuses['200'] ?? 0) / seconds;
}
