/**
 * The rolling-restart scenario (scenarios.ts lists it): reads and writes paced through the balancer
 * while every API instance is replaced in turn (topology.restartApis, which is
 * scripts/rolling-restart.ts: out of the balancer, SIGTERM, graceful shutdown, replacement ready,
 * back in). SPEC's promise is 0 failed requests: every answer a 2xx, before, during and after. The
 * load runs until the last replacement is back in and a short while after, however long the
 * restarts take; the run's length sets only the lead-in and that tail.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { type Answer, pacedLoad, tally } from './paced-load';
import { tenths } from './recorder';
import { newDocument, type Scenario } from './scenario-context';

/**
 * Requests per second through the balancer, one in ten a write: what one instance serves alone
 * with room to spare on a busy 2-core machine, since while one is replaced the other takes all.
 */
const RATE = 50;

export const restartUnderLoad: Scenario = async (ctx) => {
  const { topology } = ctx;
  const answers: Answer[] = [];
  const before = topology.apis.map((a) => a.pid);
  let finished = false;
  let n = 0;
  const load = pacedLoad({
    rate: RATE,
    seconds: 600,
    until: () => finished,
    next: () =>
      n++ % 10 === 9
        ? {
            url: `${topology.url}/v1/documents`,
            method: 'POST',
            body: newDocument(n),
            headers: { 'content-type': 'application/json' },
          }
        : `${topology.url}/v1/documents/${ctx.zipf.next()}`,
    headers: { authorization: `Bearer ${topology.key}` },
    recorder: ctx.recorder,
    onAnswer: (a) => answers.push(a),
  });
  const pause = () => delay(Math.max(0.5, ctx.seconds / 4) * 1000);
  let restartError: string | undefined;
  let restartSeconds: number | undefined;
  try {
    await pause();
    ctx.mark('rolling restart');
    const started = performance.now();
    await topology
      .restartApis((message) => {
        const back = /^(:\d+) .* back in the balancer$/.exec(message);
        if (back) ctx.mark(`${back[1]} replaced`);
      })
      .catch((err: Error) => void (restartError = err.message));
    restartSeconds = tenths((performance.now() - started) / 1000);
    await pause();
  } finally {
    finished = true;
  }
  // Resent: requests whose kept-alive connection an old nginx worker closed at a reload before
  // answering, sent again as browsers do (no answer was lost: the worker had not passed them on).
  const { resent } = await load;
  const failed = answers.filter((a) => a.status < 200 || a.status >= 300);
  const replaced = topology.apis.filter((a, i) => a.pid !== before[i]).length;
  Object.assign(ctx.extra, {
    restartSeconds: restartSeconds ?? 'not restarted',
    requests: answers.length,
    failed: failed.length,
    resent,
  });
  ctx.expectations.push(
    {
      name: 'every API instance replaced, one at a time',
      expected: `${before.length} replaced`,
      actual: restartError ?? `${replaced} replaced in ${restartSeconds} s`,
      pass: restartError === undefined && replaced === before.length,
    },
    {
      name: 'no failed request through the restart',
      expected: '0 answered other than 2xx (transport errors included)',
      actual: `${failed.length} of ${answers.length} (${tally(answers)}; ${resent} resent after a reload closed their connection)`,
      pass: answers.length > 0 && failed.length === 0,
    },
  );
};
