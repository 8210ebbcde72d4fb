import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pollUntil } from '../../../../test/helpers/poll';
import { gcra, leaseTokens, type BucketDecision } from './gcra';
import { RedisRateStore } from './redis-rate-store';

// The local stack's Redis (bash scripts/stack.sh up).
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:56379';

describe('RedisRateStore (Lua GCRA on the local stack Redis)', () => {
  const keyPrefix = `test:ratelimit:${randomUUID()}`;
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  const store = new RedisRateStore({ redisUrl: REDIS_URL, keyPrefix, timeoutMs: 1000 });

  beforeAll(async () => {
    await redis.connect();
    await store.start();
  });

  afterAll(async () => {
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length) await redis.del(...keys);
    await store.stop();
    redis.disconnect();
  });

  it('decides as gcra.ts does: the same takes give the same admissions and remaining counts', async () => {
    // 7 per minute (T = 8571.43 ms, not a whole ms), 10 takes: far less than one T apart, so
    // Redis's clock moving during the run cannot change a decision, only shorten the waits.
    const [limit, windowMs] = [7, 60_000];
    const started = Date.now();
    const fromRedis: BucketDecision[] = [];
    for (let i = 0; i < 10; i++)
      fromRedis.push(await store.take('agree', 'reads', limit, windowMs));
    const elapsedMs = Date.now() - started;

    const nowUs = 1_750_000_000_000_000;
    let tat: number | undefined;
    const fromTs = fromRedis.map(() => {
      const { newTatUs, ...decision } = gcra(tat, nowUs, limit, windowMs);
      if (decision.allowed) tat = newTatUs;
      return decision;
    });

    const shape = (d: BucketDecision) => ({ allowed: d.allowed, remaining: d.remaining });
    expect(fromRedis.map(shape)).toEqual(fromTs.map(shape));
    expect(fromRedis.filter((d) => d.allowed)).toHaveLength(7);
    fromRedis.forEach((d, i) => {
      for (const wait of ['retryAfterMs', 'resetMs'] as const) {
        expect(d[wait]).toBeLessThanOrEqual(fromTs[i][wait]);
        expect(d[wait]).toBeGreaterThanOrEqual(fromTs[i][wait] - elapsedMs - 1);
      }
    });
  });

  it('leases as gcra.ts leaseTokens does: the same wants and give-backs grant the same tokens', async () => {
    // 10 per minute (T = 6 s): the steps run far faster than a token comes back.
    const [limit, windowMs] = [10, 60_000];
    const steps: [want: number, back: number][] = [
      [4, 0],
      [3, 0],
      [5, 2], // gives back 2 of the 7 out, then takes what is left: 5
      [1, 0], // empty: refused
      [0, 3], // a give-back only, as the sweep sends
      [10, 0], // takes those 3
    ];
    const fromRedis = [];
    for (const [want, back] of steps) {
      fromRedis.push(await store.lease('lease-agree', 'reads', limit, windowMs, want, back));
    }

    let tat: number | undefined;
    const fromTs = steps.map(([want, back]) => {
      const { newTatUs, ...answer } = leaseTokens(
        tat,
        1_750_000_000_000_000,
        limit,
        windowMs,
        want,
        back,
      );
      tat = newTatUs;
      return answer;
    });

    const shape = (a: { granted: number; remaining: number }) => [a.granted, a.remaining];
    expect(fromRedis.map(shape)).toEqual(fromTs.map(shape));
    expect(fromRedis.map((a) => a.granted)).toEqual([4, 3, 5, 0, 0, 3]);
  });

  it('leaves no key once everything leased was given back', async () => {
    await store.lease('lease-back', 'reads', 10, 60_000, 6);
    await store.lease('lease-back', 'reads', 10, 60_000, 0, 6);

    expect(await redis.exists(`${keyPrefix}:lease-back:reads`)).toBe(0);
  });

  it('stores the TAT as an exact integer of µs (all 16 digits, not Lua’s 14-digit tostring)', async () => {
    await store.take('exact', 'writes', 5, 60_000);

    const stored = await redis.get(`${keyPrefix}:exact:writes`);

    expect(stored).toMatch(/^\d{16}$/);
  });

  it('expires a bucket when it would be full again, so idle tenants leave no keys', async () => {
    await store.take('ttl', 'reads', 5, 60_000); // one token out: full again in T = 12 s
    const pttl = await redis.pttl(`${keyPrefix}:ttl:reads`);
    expect(pttl).toBeGreaterThan(11_000);
    expect(pttl).toBeLessThanOrEqual(12_000);

    await store.take('short', 'reads', 2, 100);
    await pollUntil(async () => (await redis.exists(`${keyPrefix}:short:reads`)) === 0, {
      timeoutMs: 2000,
      intervalMs: 10,
      what: 'the bucket key to expire',
    });
  });

  it('keeps one bucket per subject and route class', async () => {
    expect((await store.take('a', 'exports', 1, 60_000)).allowed).toBe(true);
    expect((await store.take('a', 'exports', 1, 60_000)).allowed).toBe(false);

    expect((await store.take('a', 'reads', 1, 60_000)).allowed).toBe(true);
    expect((await store.take('b', 'exports', 1, 60_000)).allowed).toBe(true);
  });

  it('gives a token back after the emission interval on Redis’s clock', async () => {
    // 2 per 200 ms: T = 100 ms.
    await store.take('refill', 'writes', 2, 200);
    await store.take('refill', 'writes', 2, 200);
    const refused = await store.take('refill', 'writes', 2, 200);
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(100);

    await pollUntil(async () => (await store.take('refill', 'writes', 2, 200)).allowed, {
      timeoutMs: 2000,
      intervalMs: 10,
      what: 'a token to come back',
    });
  });
});
