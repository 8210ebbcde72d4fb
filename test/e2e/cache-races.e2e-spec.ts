/**
 * The cache's races, forced deterministically against the real Redis: two TieredCache instances
 * in this process stand for two API instances (each has its own connections and L1), and the
 * loader stands for the database, so the test decides exactly when a read "returns".
 */
import { CacheAnswer, CacheOptions, Loaded, TieredCache } from '@docscale/cache';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { AppConfig } from '../../src/config';
import { pollUntil } from '../helpers/poll';

interface Doc {
  v: number;
}

const REDIS_URL = AppConfig.load().env.REDIS_URL;

/** A loader the test releases by hand: "the database read has happened, now fill". */
function gatedLoader(result: Loaded<Doc>) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let called = false;
  return {
    load: async () => {
      called = true;
      await gate;
      return result;
    },
    get called() {
      return called;
    },
    release,
  };
}

const loaded = (v: number, atLsn: bigint | null = null): Loaded<Doc> => ({
  value: { v },
  version: v,
  atLsn,
});

/** What get() answers through the cache: document v, and its JSON bytes. */
const answer = (v: number, level: string) => ({
  value: { v },
  level,
  body: Buffer.from(JSON.stringify({ v })),
});

describe('cache races against real Redis', () => {
  let prefix: string;
  let a: TieredCache;
  let b: TieredCache;
  let redis: Redis;

  const options = (): CacheOptions => ({
    redisUrl: REDIS_URL,
    keyPrefix: prefix,
    redisTimeoutMs: 500,
    breakerThreshold: 5,
    breakerHalfOpenMs: 1000,
    l1MaxBytes: 1 << 20,
    l1TtlMs: 60_000, // long, so only invalidation can remove a stale L1 entry
    l2TtlMs: 60_000,
    l2TtlJitter: 0.1,
    negativeTtlMs: 60_000,
    tombstoneTtlMs: 60_000,
    leaseMs: 500,
    leaseWaitMs: 100,
    l1Enabled: () => true,
    l2Enabled: () => true,
    invalidationEnabled: () => true,
  });

  beforeAll(() => Logger.overrideLogger(['error', 'warn']));
  beforeEach(async () => {
    prefix = `test-cache-${randomUUID()}`;
    [a, b] = [new TieredCache(options()), new TieredCache(options())];
    await Promise.all([a.onModuleInit(), b.onModuleInit()]);
    await pollUntil(() => a.l1Ready && b.l1Ready, { what: 'both caches subscribed' });
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all([a.onApplicationShutdown(), b.onApplicationShutdown()]);
    redis.disconnect();
  });

  const raw = (key: string) => redis.get(`${prefix}:e:${key}`);
  const never = async (): Promise<Loaded<Doc>> => {
    throw new Error('the loader must not be called: a cache level should answer');
  };
  const valueOf = (answer: CacheAnswer<Doc>) => answer.value?.v;

  it('a fill paused between its database read and its cache set cannot replace a newer version', async () => {
    const key = 'doc:t:1';
    const slow = gatedLoader(loaded(1));
    const reading = a.get(key, undefined, slow.load);
    await pollUntil(() => slow.called, { what: 'the slow read to reach the database' });

    const received = a.received;
    await b.written(key, { version: 2 }); // a write lands and is acknowledged
    await pollUntil(() => a.received > received, { what: 'A to hear the invalidation' });
    slow.release(); // ...and only now does the old read try to fill

    expect(valueOf(await reading)).toBe(1); // it began before the write: answering 1 is fine
    expect(await raw(key)).toMatch(/^F\|2\|/); // L2 kept the write's floor
    const fresh = await a.get(key, undefined, async () => loaded(2));
    expect(fresh).toEqual(answer(2, 'db')); // not v1 from A's L1
    expect(await raw(key)).toMatch(/^V\|2\|/);
    expect(await b.get(key, undefined, never)).toEqual(answer(2, 'l2'));
  });

  it('an invalidation that arrives after the slow fill still evicts it on every instance', async () => {
    const key = 'doc:t:2';
    await a.get(key, undefined, async () => loaded(1));
    await b.get(key, undefined, never); // both hold v1 in L1 now
    expect(await b.get(key, undefined, never)).toEqual(answer(1, 'l1'));

    const received = [a.received, b.received];
    await a.written(key, { version: 2 });
    await pollUntil(() => a.received > received[0] && b.received > received[1], {
      what: 'both instances to hear the invalidation',
    });
    expect(await a.get(key, undefined, async () => loaded(2))).toEqual(answer(2, 'db'));
    expect(await b.get(key, undefined, never)).toEqual(answer(2, 'l2'));
  });

  it('a deleted document stays deleted in every level, even against a slow fill', async () => {
    const key = 'doc:t:3';
    await a.get(key, undefined, async () => loaded(4));
    expect(await b.get(key, undefined, never)).toEqual(answer(4, 'l2'));
    // A read that must go to the database (its token is newer than the entry's unknown
    // position) is paused there while the delete lands.
    const slow = gatedLoader(loaded(4, 10n));
    const reading = b.get(key, 1n, slow.load);
    await pollUntil(() => slow.called, { what: 'the slow read to reach the database' });
    const received = b.received;
    await a.written(key, { version: 4, deleted: true });
    await pollUntil(() => b.received > received, { what: 'B to hear the deletion' });
    slow.release();
    expect(valueOf(await reading)).toBe(4); // what its own read, begun before the delete, saw

    expect(await raw(key)).toBe('A|5|ffffffffffffffff|');
    for (const cache of [a, b]) {
      for (let i = 0; i < 3; i++) {
        expect(await cache.get(key, undefined, never)).toMatchObject({ value: null });
        expect(await cache.get(key, 2n ** 60n, never)).toMatchObject({ value: null });
      }
    }
  });

  it('a reader with a consistency token never takes an entry read before its position', async () => {
    const key = 'doc:t:4';
    await a.get(key, undefined, async () => loaded(1, 100n)); // filled at LSN 100
    expect(await b.get(key, 100n, never)).toEqual(answer(1, 'l2'));
    // A token for position 101 (a later write elsewhere): the entry cannot prove it is that new.
    const reread = await b.get(key, 101n, async () => loaded(1, 150n));
    expect(reread.level).toBe('db');
    // B's load (read at 150) refreshed the same version's record in L2 (the Lua compares the
    // positions), so A, whose L1 copy is at 100, now finds the token answered in L2.
    expect(await raw(key)).toMatch(/^V\|1\|0000000000000096\|/);
    expect(await a.get(key, 101n, never)).toEqual(answer(1, 'l2'));
    const tooOld = await b.get(key, 2n ** 40n, async () => loaded(1, 120n)); // refused: 120 < 150
    expect(tooOld.level).toBe('db');
    expect(await raw(key)).toMatch(/^V\|1\|0000000000000096\|/);
  });

  it('compares WAL positions exactly across their 32-bit halves (Lua numbers are doubles)', async () => {
    const key = 'doc:t:6';
    await a.get(key, undefined, async () => loaded(1, 0x1_00000000n));
    await b.get(key, 0x1_00000001n, async () => loaded(1, 0xffffffffn)); // lower: refused
    expect(await raw(key)).toMatch(/^V\|1\|0000000100000000\|/);
    await b.get(key, 0x1_00000001n, async () => loaded(1, 0x1_00000002n));
    expect(await raw(key)).toMatch(/^V\|1\|0000000100000002\|/);
  });

  it('concurrent misses on one cold key load at most once per instance', async () => {
    const key = 'doc:t:5';
    const loads = { a: 0, b: 0 };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const loader = (name: 'a' | 'b') => async () => {
      loads[name]++;
      await gate;
      return loaded(7);
    };
    const answers = Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 ? a.get(key, undefined, loader('a')) : b.get(key, undefined, loader('b')),
      ),
    );
    await pollUntil(() => loads.a + loads.b > 0, { what: 'the first load' });
    release();
    const results = await answers;
    expect(results.every((r) => r.value?.v === 7)).toBe(true);
    expect(loads.a).toBeLessThanOrEqual(1);
    expect(loads.b).toBeLessThanOrEqual(1);
    // Ideally 1 overall (the other instance waited on the lease); 2 if the wait ran out first.
    console.log(`stampede (in process, 40 readers on 2 caches): ${loads.a + loads.b} load(s)`);
  });
});
