/**
 * The replica-lag scenario (scenarios.ts lists it): a load of reads and writes while the replica
 * applies WAL REPLICA_MAX_LAG_MS + 2 s late for the middle three fifths of the run. Once its lag
 * passes REPLICA_MAX_LAG_MS, each instance's replica monitor takes it out of rotation and reads
 * go to the primary (the replica share falls to 0); when the delay is lifted the replica catches
 * up and rejoins on the monitor's next poll. No request fails on the way. The scenario marks when
 * the first instance's readiness shows the replica leave and rejoin the rotation, so that the
 * phase table shows each stretch's replica share. A file of its own so that
 * `npm run pattern:remove -- read-replicas` takes it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { AppConfig } from '../../src/config';
import { tenths } from './recorder';
import { readiness, type Scenario, type ScenarioContext, stack } from './scenario-context';

/** How much later than REPLICA_MAX_LAG_MS the replica applies WAL. */
const BEYOND_MAX_LAG_MS = 2000;
/** How soon a replica must rejoin once the delay is lifted (it catches up at once; one poll). */
const REJOIN_WITHIN_S = 5;

/** `load` (the mixed workload) with the replica's delay past its limit in the middle. */
export function replicaLag(load: Scenario): Scenario {
  return async (ctx) => {
    const maxLagMs = AppConfig.load().env.REPLICA_MAX_LAG_MS;
    const delayMs = maxLagMs + BEYOND_MAX_LAG_MS;
    const from = ctx.seconds / 5;
    const to = (ctx.seconds * 4) / 5;
    const started = performance.now();
    const at = () => (performance.now() - started) / 1000;
    ctx.finally(() => stack('replica-delay', '0'));
    ctx.at(from, `replica delay ${delayMs} ms`, () => stack('replica-delay', String(delayMs)));
    ctx.at(to, 'replica delay 0', () => stack('replica-delay', '0'));
    // Watched from the delay's start to the load's end and, once the replica has left, until it
    // rejoins or could have: past the load's end (with 20 s, the delay is lifted 4 s before it).
    let loaded = false;
    const watchUntil = to + REJOIN_WITHIN_S + 1;
    const seen = watchRotation(
      ctx,
      from,
      ({ left, rejoined }) =>
        loaded && (left === undefined || rejoined !== undefined || at() > watchUntil),
      at,
    );
    try {
      await load(ctx);
    } finally {
      loaded = true;
    }
    const { left, rejoined } = await seen;
    Object.assign(ctx.extra, {
      replicaDelayMs: delayMs,
      replicaLeftAtS: left === undefined ? 'stayed in rotation' : tenths(left),
      replicaRejoinedAtS: rejoined === undefined ? 'not seen' : tenths(rejoined),
    });
    // A run whose delay is not well past the limit (a smoke run's 2 s) cannot show the replica
    // leave (it took 7.7 s of a 7 s delay here: the delay takes a moment to apply, the lag a poll
    // to read): only the requests are judged then.
    if (to - from > delayMs / 1000 + 3) {
      ctx.expectations.push(
        {
          name: 'the replica leaves the rotation once it lags past REPLICA_MAX_LAG_MS',
          expected: `out of rotation once its lag passes ${maxLagMs / 1000} s, before the delay is lifted`,
          actual: left === undefined ? 'stayed in rotation' : `after ${tenths(left - from)} s`,
          pass: left !== undefined && left > from + maxLagMs / 1000 && left < to,
        },
        {
          name: 'the replica rejoins once it has caught up',
          expected: `within ${REJOIN_WITHIN_S} s of the delay lifted`,
          actual: rejoined === undefined ? 'not seen' : `after ${tenths(rejoined - to)} s`,
          pass: rejoined !== undefined && rejoined - to <= REJOIN_WITHIN_S,
        },
      );
    }
    ctx.expectations.push({
      name: 'no failed request',
      expected: '0 errors (reads move to the primary)',
      actual: `${ctx.recorder.errors} of ${ctx.recorder.requests}`,
      pass: ctx.recorder.requests > 0 && ctx.recorder.errors === 0,
    });
  };
}

/**
 * Polls the first instance's readiness from `from` seconds into the run until `done`, marking (as
 * run events) when its replica leaves the rotation and when it rejoins; resolves with those times,
 * in seconds into the run.
 */
async function watchRotation(
  ctx: ScenarioContext,
  from: number,
  done: (seen: { left?: number; rejoined?: number }) => boolean,
  at: () => number,
): Promise<{ left?: number; rejoined?: number }> {
  const seen: { left?: number; rejoined?: number } = {};
  await delay(from * 1000); // a blip before the delay is not the delay's doing
  while (!done(seen)) {
    const inRotation = (await readiness(ctx.topology.apis[0]))?.replicas?.members?.[0]?.inRotation;
    if (inRotation === false && seen.left === undefined) {
      seen.left = at();
      ctx.mark('replica out of rotation');
    } else if (inRotation === true && seen.left !== undefined && seen.rejoined === undefined) {
      seen.rejoined = at();
      ctx.mark('replica back in rotation');
    }
    await delay(200);
  }
  return seen;
}
