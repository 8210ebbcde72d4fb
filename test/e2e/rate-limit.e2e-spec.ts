/**
 * Distributed rate limiting: two API instances behind nginx share one budget per tenant and
 * route class, kept in Redis. The limit holds in total across both, another tenant is untouched,
 * every limited response carries the RateLimit-* headers, and a refusal is a 429 problem+json with
 * Retry-After. With Redis stopped, each RATE_LIMIT_ON_REDIS_DOWN policy does what it says, and
 * nothing answers 500.
 */
import { BalancedInstances, startBalancedInstances } from '../helpers/balancer';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { scrape } from '../helpers/metrics'; // pattern:telemetry
import { pollUntil } from '../helpers/poll';
import { newTenant } from '../helpers/tenants';
import { stack } from '../../scripts/processes/stack';
import { isolatedQueue } from '../helpers/jobs';

const DECISIONS = 'docscale_rate_limit_decisions_total'; // pattern:telemetry
const LIMIT = 20;
// A window of 10 minutes: one token comes back every 30 s, far longer than a test runs, so the
// number admitted is exactly the bucket.
const WINDOW_MS = 600_000;

jest.setTimeout(60_000);

/** Env of instances that limit reads to LIMIT per window, with keys of their own. */
function limitedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const { prefix, env } = isolatedQueue();
  return {
    RATE_LIMIT: 'on',
    RATE_LIMIT_READS: String(LIMIT),
    RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
    RATE_LIMIT_KEY_PREFIX: `${prefix}:ratelimit`,
    ...env,
    ...extra,
  };
}

async function bearer(label: string): Promise<Record<string, string>> {
  const { key } = await newTenant(label);
  return { Authorization: `Bearer ${key}` };
}

/** `n` concurrent listings; the responses with their bodies read. */
async function reads(url: string, headers: Record<string, string>, n: number) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const res = await fetch(`${url}/v1/documents?limit=1`, { headers });
      return { res, body: (await res.json()) as Record<string, unknown> };
    }),
  );
}

describe('rate limiting across two instances behind nginx', () => {
  let lb: BalancedInstances;

  beforeAll(async () => {
    lb = await startBalancedInstances(2, limitedEnv());
  });
  afterAll(async () => {
    await lb?.stop();
  });

  it('holds a tenant to its limit in total across both instances, with correct headers and 429 problems', async () => {
    const tenant = await bearer('ratelimit-a');
    const answers = await reads(lb.balancer.url, tenant, 3 * LIMIT);
    const admitted = answers.filter((a) => a.res.status === 200);
    const limited = answers.filter((a) => a.res.status === 429);
    console.log(
      `rate limit across 2 instances: sent ${answers.length}, admitted ${admitted.length}, limited ${limited.length}`,
    );

    // Neither admitted nor limited: shown whole, so a failure says what answered instead.
    const others = answers
      .filter((a) => a.res.status !== 200 && a.res.status !== 429)
      .map((a) => ({ status: a.res.status, body: a.body }));
    expect(others).toEqual([]);
    expect(admitted).toHaveLength(LIMIT);
    expect(limited).toHaveLength(2 * LIMIT);
    // pattern:telemetry:begin
    const perInstance = await Promise.all(
      lb.instances.map(async (i) => {
        const metrics = await scrape(i.adminUrl);
        return {
          allowed: metrics.sum(DECISIONS, { rate_limit_decision: 'allowed' }),
          limited: metrics.sum(DECISIONS, { rate_limit_decision: 'limited' }),
        };
      }),
    );
    console.log('decisions per instance', perInstance);
    // Both instances decided some of them: the limit held across instances, not within one.
    for (const counts of perInstance) expect(counts.allowed + counts.limited).toBeGreaterThan(0);
    // pattern:telemetry:end

    const remaining = admitted.map((a) => Number(a.res.headers.get('ratelimit-remaining')));
    expect(remaining.sort((x, y) => x - y)).toEqual(Array.from({ length: LIMIT }, (_, i) => i));
    for (const { res, body } of [...admitted, ...limited]) {
      expect(res.headers.get('ratelimit-limit')).toBe(String(LIMIT));
      expect(res.headers.get('ratelimit-policy')).toBe(`${LIMIT};w=${WINDOW_MS / 1000}`);
      expect(Number(res.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
      if (res.status === 200) expect(body.items).toBeDefined();
    }
    for (const { res, body } of limited) {
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(body).toMatchObject({
        type: '/problems/rate-limited',
        status: 429,
        routeClass: 'reads',
        limit: LIMIT,
        retryAfterSeconds: Number(res.headers.get('retry-after')),
      });
    }
  });

  it('leaves another tenant, and the same tenant’s writes, their own budgets', async () => {
    const a = await bearer('ratelimit-b');
    const b = await bearer('ratelimit-c');
    await reads(lb.balancer.url, a, 2 * LIMIT); // a is now out of reads
    const others = await reads(lb.balancer.url, b, LIMIT);
    expect(others.map((o) => o.res.status)).toEqual(Array(LIMIT).fill(200));
    const write = await fetch(`${lb.balancer.url}/v1/documents`, {
      method: 'POST',
      headers: { ...a, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'still allowed', body: 'writes have a budget of their own' }),
    });
    expect(write.status).toBe(201);
  });
});

describe('leased tokens across two instances behind nginx', () => {
  // 200 reads per window in leases of up to 5% (10 tokens): docs/patterns/rate-limiting.md,
  // "Precision": with N instances at most N × 10 admitted beyond the exact limiter in a window, and
  // at most N × 10 refused early (held in another instance's lease). No token comes back while
  // the test runs (T = 3 s), so the exact limiter would admit exactly 200 of any burst.
  const LEASED_LIMIT = 200;
  const LEASE = 10;
  const INSTANCES = 2;
  let lb: BalancedInstances;

  beforeAll(async () => {
    lb = await startBalancedInstances(
      INSTANCES,
      limitedEnv({ RATE_LIMIT_READS: String(LEASED_LIMIT), RATE_LIMIT_LEASE_SHARE: '0.05' }),
    );
  });
  afterAll(async () => {
    await lb?.stop();
  });

  it('admits the limit within the stated tolerance, at a fraction of the Redis round trips', async () => {
    const tenant = await bearer('ratelimit-leased');
    const answers = [];
    for (let round = 0; round < 6; round++)
      answers.push(...(await reads(lb.balancer.url, tenant, 50)));
    const admitted = answers.filter((a) => a.res.status === 200).length;
    const limited = answers.filter((a) => a.res.status === 429);
    console.log(
      `leased rate limit across 2 instances: sent ${answers.length}, admitted ${admitted}`,
    );

    expect(admitted).toBeLessThanOrEqual(LEASED_LIMIT * (1 + (INSTANCES * LEASE) / LEASED_LIMIT));
    // Tokens leave the shared bucket before they are spent: a burst never gets past the limit.
    expect(admitted).toBeLessThanOrEqual(LEASED_LIMIT);
    expect(admitted).toBeGreaterThanOrEqual(LEASED_LIMIT - INSTANCES * LEASE);
    expect(admitted + limited.length).toBe(answers.length);
    // pattern:telemetry:begin
    const roundTrips = await Promise.all(
      lb.instances.map(async (i) =>
        (await scrape(i.adminUrl)).sum('docscale_rate_limit_round_trips_total', {
          rate_limit_class: 'reads',
        }),
      ),
    );
    console.log('Redis round trips per instance', roundTrips);
    // Both instances leased, and together far fewer times than they admitted requests.
    for (const trips of roundTrips) expect(trips).toBeGreaterThan(0);
    expect(roundTrips[0] + roundTrips[1]).toBeLessThan(admitted / 2);
    // pattern:telemetry:end
    for (const { res, body } of limited) {
      expect(res.headers.get('ratelimit-limit')).toBe(String(LEASED_LIMIT));
      expect(body).toMatchObject({ type: '/problems/rate-limited', status: 429 });
    }
  });
});

describe('rate limiting with Redis stopped', () => {
  let byPolicy: Record<'local' | 'open' | 'closed', Instance>;

  beforeAll(async () => {
    const policies = ['local', 'open', 'closed'] as const;
    const started = await Promise.all(
      policies.map((p) =>
        startInstances(
          1,
          // Leases of up to 2 tokens: the fallbacks take over from leases as from single takes.
          limitedEnv({
            RATE_LIMIT_ON_REDIS_DOWN: p,
            RATE_LIMIT_INSTANCES: '2',
            RATE_LIMIT_LEASE_SHARE: '0.1',
          }),
        ),
      ),
    );
    byPolicy = { local: started[0][0], open: started[1][0], closed: started[2][0] };
    stack('stop-member', 'redis');
  });
  afterAll(async () => {
    stack('start-member', 'redis');
    await stopAll(Object.values(byPolicy ?? {}));
  });

  it('local: each instance enforces its share of the limit, and says so in the headers', async () => {
    const answers = await reads(byPolicy.local.url, await bearer('ratelimit-local'), LIMIT);
    const admitted = answers.filter((a) => a.res.status === 200);
    expect(admitted).toHaveLength(LIMIT / 2);
    expect(answers.filter((a) => a.res.status === 429)).toHaveLength(LIMIT / 2);
    expect(admitted[0].res.headers.get('ratelimit-limit')).toBe(String(LIMIT / 2));
  });

  it('open: admits everything', async () => {
    const answers = await reads(byPolicy.open.url, await bearer('ratelimit-open'), 2 * LIMIT);
    expect(answers.map((a) => a.res.status)).toEqual(Array(2 * LIMIT).fill(200));
  });

  it('closed: refuses with 503 + Retry-After rather than admit unlimited', async () => {
    const answers = await reads(byPolicy.closed.url, await bearer('ratelimit-closed'), LIMIT);
    for (const { res, body } of answers) {
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(body.type).toBe('/problems/rate-limit-unavailable');
    }
  });

  it('limits through Redis again once it is back, without a restart', async () => {
    stack('start-member', 'redis');
    const probe = await bearer('ratelimit-probe');
    // Each instance finds Redis again on its own (its breaker's probe): wait for both.
    const limitSeen = async (api: Instance) => {
      const res = await fetch(`${api.url}/v1/documents?limit=1`, { headers: probe });
      return res.headers.get('ratelimit-limit');
    };
    await pollUntil(
      async () =>
        (await limitSeen(byPolicy.closed)) === String(LIMIT) &&
        (await limitSeen(byPolicy.local)) === String(LIMIT),
      { timeoutMs: 20_000, intervalMs: 200, what: 'both instances to limit through Redis again' },
    );
    const answers = await reads(byPolicy.local.url, await bearer('ratelimit-back'), 2 * LIMIT);
    // The whole limit again, not the local share: the buckets are in Redis (less at most the one
    // lease of 2 tokens the instance may still hold when the last request is answered).
    const admitted = answers.filter((a) => a.res.status === 200).length;
    expect(admitted).toBeLessThanOrEqual(LIMIT);
    expect(admitted).toBeGreaterThanOrEqual(LIMIT - 2);
  });
});
