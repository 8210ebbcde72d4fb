import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { pollUntil } from '../../../../test/helpers/poll';
// pattern:breakers:begin
import { Breakers } from '../breakers';
// pattern:breakers:end
import type { RateLimitOptions, ResilienceOptions } from '../resilience.options';
import { RateLimitUnavailableError } from './rate-limit.errors';
import { RedisRateStore } from './redis-rate-store';
import { RateLimiter, type RateLimitDecision } from './rate-limiter';

// The local stack's Redis (bash scripts/stack.sh up); port 1 has nothing listening.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:56379';
const UNREACHABLE = 'redis://127.0.0.1:1';

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}
const reader = new TestReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

const keyPrefix = `test:ratelimit:${randomUUID()}`;
const started: Array<{ limiter: RateLimiter; stop: () => void }> = [];

async function limiter(
  rateLimit: Partial<RateLimitOptions> = {},
  resilience: Partial<ResilienceOptions> = {},
  { start = true } = {},
): Promise<RateLimiter> {
  const options: ResilienceOptions = {
    // pattern:breakers:begin
    breakerThreshold: 3,
    breakerHalfOpenMs: 5000,
    // pattern:breakers:end
    ...resilience,
    rateLimit: {
      redisUrl: REDIS_URL,
      keyPrefix,
      windowMs: 60_000, // T = 6 s for reads: no token comes back while a test runs
      limits: { reads: 10, writes: 4, exports: 1, 'auth-failures': 3 },
      subject: () => undefined, // the guard's concern
      ...rateLimit,
    },
  };
  // pattern:breakers:begin
  const breakers = new Breakers();
  const rateLimiter = new RateLimiter(options, breakers);
  started.push({ limiter: rateLimiter, stop: () => breakers.stop() });
  // pattern:breakers:else
  // const rateLimiter = new RateLimiter(options);
  // started.push({ limiter: rateLimiter, stop: () => undefined });
  // pattern:breakers:end
  if (start) await rateLimiter.onModuleInit();
  return rateLimiter;
}

async function takes(limiters: RateLimiter[], subject: string, n: number) {
  const all = Array.from({ length: n }, (_, i) =>
    limiters[i % limiters.length].take(subject, 'reads'),
  );
  return Promise.all(all);
}

const admitted = (decisions: RateLimitDecision[]) => decisions.filter((d) => d.allowed).length;

beforeAll(() => Logger.overrideLogger(false));

afterEach(async () => {
  jest.restoreAllMocks();
  for (const { limiter, stop } of started.splice(0)) {
    await limiter.onApplicationShutdown();
    stop();
  }
});

describe('RateLimiter with Redis up', () => {
  it('enforces one global limit across instances sharing Redis', async () => {
    const instances = [await limiter(), await limiter()];

    const decisions = await takes(instances, 'tenant-global', 20);

    expect(admitted(decisions)).toBe(10);
    expect(new Set(decisions.map((d) => d.source))).toEqual(new Set(['redis']));
  });

  it('answers the limit, what is left and when to come back', async () => {
    const rateLimiter = await limiter();

    const [first, ...rest] = await takes([rateLimiter], 'tenant-fields', 11);

    expect(first).toEqual({
      allowed: true,
      limit: 10,
      remaining: 9,
      resetSeconds: 6,
      retryAfterSeconds: 0,
      source: 'redis',
    });
    expect(rest[8]).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 60 });
    expect(rest[9]).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 6 });
  });

  it('keeps a separate budget per route class', async () => {
    const rateLimiter = await limiter();
    await rateLimiter.take('tenant-classes', 'exports');

    expect((await rateLimiter.take('tenant-classes', 'exports')).allowed).toBe(false);
    expect((await rateLimiter.take('tenant-classes', 'writes')).allowed).toBe(true);
  });

  it('counts decisions by class, decision and source', async () => {
    const rateLimiter = await limiter();
    await rateLimiter.take('tenant-metrics', 'exports');
    await rateLimiter.take('tenant-metrics', 'exports');

    const { resourceMetrics } = await reader.collect();
    const counter = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((metric) => metric.descriptor.name === 'docscale.rate_limit.decisions');
    const points = (counter?.dataPoints ?? []) as DataPoint<number>[];
    const count = (decision: string) =>
      points.find(
        (p) =>
          p.attributes['rate_limit.class'] === 'exports' &&
          p.attributes['rate_limit.decision'] === decision &&
          p.attributes['rate_limit.source'] === 'redis',
      )?.value;

    expect(count('allowed')).toBeGreaterThanOrEqual(1);
    expect(count('limited')).toBeGreaterThanOrEqual(1);
  });
});

describe('RateLimiter with Redis unreachable', () => {
  it('limits each instance to its share with onRedisDown=local, within bounded time', async () => {
    const rateLimiter = await limiter({ redisUrl: UNREACHABLE, instances: 2 });
    const before = Date.now();

    const decisions = await takes([rateLimiter], 'tenant-local', 20);

    expect(Date.now() - before).toBeLessThan(1000);
    expect(admitted(decisions)).toBe(5);
    expect(decisions[0]).toMatchObject({ source: 'local', limit: 5, remaining: 4 });
  });

  it('is no global limit: two instances on their own admit a limit each', async () => {
    const options = { redisUrl: UNREACHABLE, instances: 1 };
    const instances = [await limiter(options), await limiter(options)];

    expect(admitted(await takes(instances, 'tenant-split', 20))).toBe(20);
  });

  it('admits everything with onRedisDown=open', async () => {
    const rateLimiter = await limiter({ redisUrl: UNREACHABLE, onRedisDown: 'open' });
    const before = Date.now();

    const decisions = await takes([rateLimiter], 'tenant-open', 20);

    expect(Date.now() - before).toBeLessThan(1000);
    expect(admitted(decisions)).toBe(20);
    expect(decisions[19]).toEqual({
      allowed: true,
      limit: 10,
      remaining: 10,
      resetSeconds: 0,
      retryAfterSeconds: 0,
      source: 'open',
    });
  });

  // pattern:breakers:begin
  it('refuses with onRedisDown=closed, retrying when the breaker will probe once it is open', async () => {
    const rateLimiter = await limiter(
      { redisUrl: UNREACHABLE, onRedisDown: 'closed' },
      { breakerThreshold: 2, breakerHalfOpenMs: 5000 },
    );
    const before = Date.now();

    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const refusal = await rateLimiter.take('tenant-closed', 'reads').catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(RateLimitUnavailableError);
      waits.push((refusal as RateLimitUnavailableError).retryAfterSeconds);
    }

    expect(Date.now() - before).toBeLessThan(1000);
    // Two failures try again soon; then the breaker is open: not before it lets a probe through.
    expect(waits).toEqual([1, 1, 5]);
  });
  // pattern:breakers:else
  // it('refuses with onRedisDown=closed, asking Redis again at the next request', async () => {
  //   const rateLimiter = await limiter({ redisUrl: UNREACHABLE, onRedisDown: 'closed' });
  //
  //   const waits: number[] = [];
  //   for (let i = 0; i < 3; i++) {
  //     const refusal = await rateLimiter.take('tenant-closed', 'reads').catch((e: unknown) => e);
  //     expect(refusal).toBeInstanceOf(RateLimitUnavailableError);
  //     waits.push((refusal as RateLimitUnavailableError).retryAfterSeconds);
  //   }
  //
  //   expect(waits).toEqual([1, 1, 1]);
  // });
  // pattern:breakers:end

  it('warns once per outage, not per request, and says when Redis is back', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const about = (spy: jest.SpyInstance) =>
      spy.mock.calls.filter(([message]) => String(message).startsWith('Redis (rate limit)'));
    // Not started: the first commands fail at once (the client only starts connecting), as while
    // Redis is down; then the connection comes up, as when Redis is back.
    // pattern:breakers:begin
    const rateLimiter = await limiter({}, { breakerThreshold: 100 }, { start: false });
    // pattern:breakers:else
    // const rateLimiter = await limiter({}, {}, { start: false });
    // pattern:breakers:end

    const during = await takes([rateLimiter], 'tenant-outage', 5);
    await pollUntil(
      async () => (await rateLimiter.take('tenant-outage', 'reads')).source === 'redis',
      { timeoutMs: 3000, intervalMs: 10, what: 'decisions from Redis' },
    );

    expect(new Set(during.map((d) => d.source))).toEqual(new Set(['local']));
    expect(about(warn)).toHaveLength(1);
    expect(about(log)).toEqual([['Redis (rate limit) is back: limits are global again']]);
  });
});

describe('RateLimiter with leases', () => {
  // 100 reads a minute, leases of up to 10 (T = 600 ms: no token comes back while a test runs).
  const leased = (extra: Partial<RateLimitOptions> = {}) =>
    limiter({
      limits: { reads: 100, writes: 4, exports: 1, 'auth-failures': 3 },
      leaseShare: 0.1,
      ...extra,
    });

  /** Counts the calls to Redis's buckets and the most in flight at once. */
  function countLeaseCalls() {
    const lease = RedisRateStore.prototype.lease;
    const calls = { total: 0, inFlight: 0, maxInFlight: 0 };
    jest.spyOn(RedisRateStore.prototype, 'lease').mockImplementation(async function (
      this: RedisRateStore,
      ...args: Parameters<RedisRateStore['lease']>
    ) {
      calls.total++;
      calls.maxInFlight = Math.max(calls.maxInFlight, ++calls.inFlight);
      try {
        return await lease.apply(this, args);
      } finally {
        calls.inFlight--;
      }
    });
    return calls;
  }

  it('leases at most limit × leaseShare, and never with a lease of one token', async () => {
    const rateLimiter = await leased();

    expect(rateLimiter.leaseSize(100)).toBe(10);
    expect(rateLimiter.leaseSize(19)).toBe(1); // the writes and exports of the tests above
  });

  it('holds the limit across two instances within one lease each, at a fraction of the round trips', async () => {
    const instances = [await leased(), await leased()];
    const calls = countLeaseCalls();

    const decisions = await takes(instances, 'tenant-leased', 300);

    // Tokens leave the shared bucket before they are spent: never more than the limit. At the
    // end each instance may hold up to one lease (10) the other was refused meanwhile.
    expect(admitted(decisions)).toBeLessThanOrEqual(100);
    expect(admitted(decisions)).toBeGreaterThanOrEqual(100 - 2 * 10);
    expect(calls.total).toBeLessThan(300 / 3);
    expect(new Set(decisions.map((d) => d.source))).toEqual(new Set(['redis']));
    const refused = decisions.find((d) => !d.allowed);
    expect(refused).toMatchObject({ limit: 100, remaining: 0 });
    expect(refused!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('makes concurrent requests wait for one lease rather than each asking Redis', async () => {
    const rateLimiter = await leased();
    const calls = countLeaseCalls();

    const decisions = await takes([rateLimiter], 'tenant-flight', 50);

    expect(admitted(decisions)).toBe(50);
    expect(calls.maxInFlight).toBe(1);
    // One token, then the lease size at once for the 49 that waited: 1 + 10 × 5 ≥ 50.
    expect(calls.total).toBe(6);
  });

  const buckets = new RedisRateStore({ redisUrl: REDIS_URL, keyPrefix, timeoutMs: 1000 });
  beforeAll(() => buckets.start());
  afterAll(() => buckets.stop());

  /** The bucket's tokens left in Redis, read without taking any (a lease of none). */
  const peek = async (subject: string) =>
    (await buckets.lease(subject, 'reads', 100, 60_000, 0)).remaining;

  async function spend(rateLimiter: RateLimiter, subject: string, n: number) {
    let allowed = 0;
    for (let i = 0; i < n; i++) if ((await rateLimiter.take(subject, 'reads')).allowed) allowed++;
    return allowed;
  }

  it('gives back what a lease did not spend once it expires, for another instance to spend', async () => {
    const [a, b] = [await leased({ leaseMs: 50 }), await leased({ leaseMs: 50 })];
    // Leases of 1, 2, 4, 8, 10 and 10 tokens: 35 out of the bucket, 30 spent, 5 in a's hands.
    expect(await spend(a, 'tenant-giveback', 30)).toBe(30);
    expect(await peek('tenant-giveback')).toBe(65);

    await pollUntil(async () => (await peek('tenant-giveback')) === 70, {
      timeoutMs: 2000,
      intervalMs: 10,
      what: "a's leftover back in the bucket",
    });
    expect(await spend(b, 'tenant-giveback', 100)).toBe(70);
  });

  it('gives back what it holds when the application shuts down', async () => {
    const rateLimiter = await leased({ leaseMs: 60_000 });
    await spend(rateLimiter, 'tenant-shutdown', 30);
    expect(await peek('tenant-shutdown')).toBe(65);

    await rateLimiter.onApplicationShutdown();

    expect(await peek('tenant-shutdown')).toBe(70);
  });

  it('at shutdown, waits for a lease being taken and gives back what it granted', async () => {
    const rateLimiter = await leased({ leaseMs: 60_000 });
    await spend(rateLimiter, 'tenant-shutdown-flight', 3); // leases of 1 and 2: 3 out, 0 held
    const lease = RedisRateStore.prototype.lease;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    jest.spyOn(RedisRateStore.prototype, 'lease').mockImplementationOnce(async function (
      this: RedisRateStore,
      ...args: Parameters<RedisRateStore['lease']>
    ) {
      await held; // the answer arrives after shutdown began
      return lease.apply(this, args);
    });
    const taking = rateLimiter.take('tenant-shutdown-flight', 'reads'); // asks for 4

    const shutdown = rateLimiter.onApplicationShutdown();
    release();
    await Promise.all([taking, shutdown]);

    // 4 granted, 1 spent, 3 given back: only the 4 requests' tokens are out of the bucket.
    expect(await peek('tenant-shutdown-flight')).toBe(96);
  });

  it('falls back as configured when Redis cannot give a lease', async () => {
    const rateLimiter = await leased({ redisUrl: UNREACHABLE, instances: 2 });

    const decisions = await takes([rateLimiter], 'tenant-lease-down', 80);

    expect(admitted(decisions)).toBe(50); // the local share: 100 ÷ 2
    expect(decisions[0]).toMatchObject({ source: 'local', limit: 50 });
  });
});
