/**
 * The rate-limit scenario (scenarios.ts lists it; it runs with RATE_LIMIT=on): two quiet tenants
 * read well within their limit for the whole run; a third, noisy one joins a third of the way in at
 * five times its limit. The limit is per tenant, so the noisy tenant's excess is refused with a
 * cheap 429 before any work is done, and the quiet tenants' p99 should barely move: the promise is
 * their p99 with the noisy tenant ≤ 1.5× their p99 before it, judged second by second (the median
 * of each second's p99) so that one stall of this shared 2-core machine, which shows in one second,
 * does not decide it; the p99 over each whole stretch is reported beside it. All three loads are
 * paced (open loop), so a slower server shows as latency, not as fewer requests. A file of its own
 * so that `npm run pattern:remove -- rate-limit` takes it with the pattern.
 */
import { AppConfig } from '../../src/config';
import { apiClient } from '../api-client/client';
import { createTenant } from '../create-tenant';
import type { Scenario, ScenarioContext } from './scenario-context';
import { type Answer, pacedLoad, tally } from './paced-load';
import { hundredths, medianSecondP99, percentileOf } from './recorder';

/** RATE_LIMIT_READS per second in the experiments' processes (topology.ts). */
const EXPERIMENTS_READ_LIMIT = 100;
/** Reads per second of each quiet tenant: half of its limit. */
const QUIET_RATE = 50;
/** The noisy tenant's offered rate ÷ its limit. */
const NOISY_OVER_LIMIT = 5;
/** Documents each extra tenant reads (its own: a tenant cannot read another's). */
const DOCUMENTS = 20;

export const noisyTenant: Scenario = async (ctx) => {
  const [quiet, noisy] = await Promise.all([
    tenantReading(ctx, 'experiment-quiet'),
    tenantReading(ctx, 'experiment-noisy'),
  ]);
  const limitPerSecond = await readLimit(ctx, quiet);
  const seeded = { key: ctx.topology.key, next: () => ctx.zipf.next() };
  const noisyStart = ctx.seconds / 3;
  const quietAnswers: Answer[] = [];
  const noisyAnswers: Answer[] = [];
  const read = (tenant: Tenant, rate: number, seconds: number, answers: Answer[]) =>
    pacedLoad({
      rate,
      seconds,
      next: () => `${ctx.topology.url}/v1/documents/${tenant.next()}`,
      headers: { authorization: `Bearer ${tenant.key}` },
      recorder: ctx.recorder,
      maxInFlight: 400,
      onAnswer: (a) => answers.push(a),
    });
  const noisyRate = Math.round(limitPerSecond * NOISY_OVER_LIMIT);
  let noisyLoad: Promise<unknown> = Promise.resolve();
  const started = performance.now();
  ctx.at(noisyStart, `noisy tenant: ${noisyRate} reads/s`, () => {
    noisyLoad = read(noisy, noisyRate, ctx.seconds - noisyStart, noisyAnswers);
    return Promise.resolve();
  });
  await Promise.all([
    read(seeded, QUIET_RATE, ctx.seconds, quietAnswers),
    read(quiet, QUIET_RATE, ctx.seconds, quietAnswers),
  ]);
  await noisyLoad;

  const boundary = started + noisyStart * 1000;
  const p99 = (answers: Answer[]) =>
    percentileOf(
      answers.filter((a) => a.status === 200).map((a) => a.ms),
      0.99,
    );
  const quietBefore = quietAnswers.filter((a) => a.sentAt < boundary);
  const quietDuring = quietAnswers.filter((a) => a.sentAt >= boundary);
  const answered = (answers: Answer[]) => answers.filter((a) => a.status === 200);
  // Seconds counted from each stretch's start, so that no second straddles the noisy tenant's.
  const before = medianSecondP99(answered(quietBefore), started);
  const during = medianSecondP99(answered(quietDuring), boundary);
  const refused = noisyAnswers.filter((a) => a.status === 429);
  const admittedPerSecond =
    noisyAnswers.filter((a) => a.status === 200).length / (ctx.seconds - noisyStart);
  const quietRefused = quietAnswers.filter((a) => a.status === 429).length;
  const quietFailed = quietAnswers.filter((a) => a.status !== 200);
  Object.assign(ctx.extra, {
    limitPerSecond,
    noisyOfferedPerSecond: noisyRate,
    noisyAdmittedPerSecond: Math.round(admittedPerSecond),
    noisyRefused: refused.length,
    quietP99BeforeMs: hundredths(p99(quietBefore)),
    quietP99DuringMs: hundredths(p99(quietDuring)),
    quietSecondP99BeforeMs: hundredths(before),
    quietSecondP99DuringMs: hundredths(during),
  });
  // No p99 (no second with enough answers) is a failure, not a ratio of 0.
  const ratio = before > 0 && during > 0 ? during / before : Infinity;
  ctx.expectations.push(
    {
      name: 'the noisy tenant is refused past its limit',
      expected: `429 + Retry-After, about ${limitPerSecond} reads/s admitted`,
      actual:
        `${refused.length} of ${noisyAnswers.length} answered 429, ` +
        `${refused.filter((a) => a.retryAfter).length} with Retry-After; ` +
        `${Math.round(admittedPerSecond)} reads/s admitted`,
      pass: refused.length > 0 && refused.every((a) => a.retryAfter),
    },
    {
      name: 'the other tenants are not refused',
      expected: 'every read answered 200 (0 × 429)',
      actual:
        `${quietRefused} × 429 of ${quietAnswers.length}` +
        (quietFailed.length > quietRefused ? ` (${tally(quietFailed)})` : ''),
      pass: quietFailed.length === 0 && quietAnswers.length > 0,
    },
    {
      name: "the other tenants' p99 with the noisy tenant",
      expected: `≤ 1.5× their p99 before it (median of each second's p99)`,
      actual:
        `${hundredths(during)} ms, before ${hundredths(before)} ms (${hundredths(ratio)}×); ` +
        `over each whole stretch ${hundredths(p99(quietDuring))} ms, before ${hundredths(p99(quietBefore))} ms`,
      pass: ratio <= 1.5,
    },
  );
};

interface Tenant {
  key: string;
  /** The id of the next document to read. */
  next: () => string;
}

/** A tenant (created on first use) with a new key and DOCUMENTS documents of its own. */
async function tenantReading(ctx: ScenarioContext, name: string): Promise<Tenant> {
  const { key } = await createTenant(AppConfig.load(), name);
  const api = apiClient(ctx.topology.url, key);
  const list = await api.GET('/v1/documents', { params: { query: { limit: DOCUMENTS } } });
  const ids = (list.data?.items ?? []).map((d) => d.id);
  while (ids.length < DOCUMENTS) {
    const { data, response } = await api.POST('/v1/documents', {
      body: { title: `${name} ${ids.length}`, body: 'Read by the rate-limit scenario.' },
    });
    if (!data) throw new Error(`${name}: POST /v1/documents answered ${response.status}`);
    ids.push(data.id);
  }
  let n = 0;
  return { key, next: () => ids[n++ % ids.length] };
}

/**
 * The read limit per second, as the API states it to a client (`RateLimit-Policy: 100;w=1`); with
 * RATE_LIMIT off (a `--compare` negative control) there is none, and the experiments' is assumed.
 */
async function readLimit(ctx: ScenarioContext, tenant: Tenant): Promise<number> {
  const res = await fetch(`${ctx.topology.url}/v1/documents/${tenant.next()}`, {
    headers: { authorization: `Bearer ${tenant.key}` },
  });
  await res.arrayBuffer();
  const policy = /^(\d+);w=(\d+)/.exec(res.headers.get('ratelimit-policy') ?? '');
  return policy ? Number(policy[1]) / Number(policy[2]) : EXPERIMENTS_READ_LIMIT;
}
