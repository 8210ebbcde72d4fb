import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { pollUntil } from '../../../../test/helpers/poll';
import { Breakers } from '../breakers';
import type { RateLimitOptions, ResilienceOptions } from '../resilience.options';
import { RateLimitUnavailableError } from './rate-limit.errors';
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
const started: Array<{ limiter: RateLimiter; breakers: Breakers }> = [];

async function limiter(
  rateLimit: Partial<RateLimitOptions> = {},
  resilience: Partial<ResilienceOptions> = {},
  { start = true } = {},
): Promise<RateLimiter> {
  const breakers = new Breakers();
  const options: ResilienceOptions = {
    breakerThreshold: 3,
    breakerHalfOpenMs: 5000,
    ...resilience,
    rateLimit: {
      redisUrl: REDIS_URL,
      keyPrefix,
      windowMs: 60_000, // T = 6 s for reads: no token comes back while a test runs
      limits: { reads: 10, writes: 4, exports: 1 },
      subject: () => undefined, // the guard's concern
      ...rateLimit,
    },
  };
  const rateLimiter = new RateLimiter(options, breakers);
  if (start) await rateLimiter.onModuleInit();
  started.push({ limiter: rateLimiter, breakers });
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
  for (const { limiter, breakers } of started.splice(0)) {
    await limiter.onApplicationShutdown();
    breakers.stop();
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

  it('warns once per outage, not per request, and says when Redis is back', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const about = (spy: jest.SpyInstance) =>
      spy.mock.calls.filter(([message]) => String(message).startsWith('Redis (rate limit)'));
    // Not started: the first commands fail at once (the client only starts connecting), as while
    // Redis is down; then the connection comes up, as when Redis is back.
    const rateLimiter = await limiter({}, { breakerThreshold: 100 }, { start: false });

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
