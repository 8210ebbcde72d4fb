import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { CircuitState } from 'cockatiel';
import { pollUntil } from '../../../test/helpers/poll';
import { CacheEntries, CacheEntry, Loaded } from './cache-entry';
import { CacheOptions } from './cache.options';
import { L2Listeners, L2Store } from './l2-store';
import { TieredCache } from './tiered-cache';

// The cache's promises are about interleavings: which fill lands after which write, on which
// instance. A fake Redis lets each test pause one step of one instance exactly where the race is;
// the compare-and-set, the lease and pub/sub it fakes follow l2-store.ts line by line.

interface Doc {
  id: string;
  version: number;
  body: string;
}

const KEY = 'doc:t1:d1';
/** Well before the replay's one-second interval: what follows a breaker event, not the timer. */
const PROMPTLY = { timeoutMs: 300, intervalMs: 5 };
const doc = (version: number, body = `body of v${version}`): Doc => ({ id: 'd1', version, body });
/** What get() answers: the value, and (through the cache) the value's JSON bytes, serialized once. */
const answer = (value: Doc | null, level: string) => ({
  value,
  level,
  body: value === null ? undefined : Buffer.from(JSON.stringify(value)),
});

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** The Redis every instance shares: entries, leases and the invalidation channel. */
class FakeRedis {
  readonly entries = new Map<string, { record: string; expiresAt: number }>();
  readonly leases = new Map<string, { token: string; expiresAt: number }>();
  readonly published: string[] = [];
  readonly stores = new Set<FakeL2>();
  /** Every command of every instance fails while true. */
  down = false;
  private deliveries: Promise<void>[] = [];

  read(key: string): string | null {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= performance.now()) return null;
    return entry.record;
  }

  /** The record under `key`, decoded. */
  record(key: string): CacheEntry | undefined {
    const raw = this.read(key);
    return raw === null ? undefined : CacheEntries.decode(raw);
  }

  /** The PUT script of l2-store.ts. */
  put(key: string, record: string, rank: number, ttlMs: number, mode: 'fill' | 'mark'): boolean {
    const current = this.read(key);
    const header = current === null ? null : /^([A-Z])\|(\d+)\|([0-9a-f]*)\|/.exec(current);
    if (header) {
      const [, kind, currentRank, lsn] = header;
      const [, newKind, , newLsn] = /^([A-Z])\|(\d+)\|([0-9a-f]*)\|/.exec(record)!;
      // Unknown positions are lowest; known ones are 16 zero-padded hex digits, so they sort as text.
      const later = newLsn.length === 16 && (lsn.length !== 16 || newLsn > lsn);
      if (mode === 'mark' || kind === 'F') {
        if (rank < Number(currentRank)) return false;
      } else if (rank < Number(currentRank)) {
        return false;
      } else if (rank === Number(currentRank) && !(kind === newKind && later)) {
        return false;
      }
    }
    this.entries.set(key, { record, expiresAt: performance.now() + Math.max(1, ttlMs) });
    return true;
  }

  /** Delivers to every instance subscribed now, each later (in its own macrotask), as Redis does. */
  publish(message: string): void {
    this.published.push(message);
    for (const store of this.stores) {
      if (!store.subscribed) continue;
      const delivery = deferred();
      this.deliveries.push(delivery.promise);
      setImmediate(() => {
        if (store.subscribed) store.deliver(message);
        delivery.resolve();
      });
    }
  }

  /** Resolves once every message published so far has reached its subscribers. */
  async delivered(): Promise<void> {
    while (this.deliveries.length > 0) await Promise.all(this.deliveries.splice(0));
  }
}

type Command = 'get' | 'put' | 'delete' | 'acquireLease' | 'releaseLease' | 'publish' | 'flushAll';

/** One instance's connection to the fake Redis, with its own breaker and subscription. */
class FakeL2 implements L2Store {
  /** Whether this instance's breaker lets calls through. */
  available = true;
  subscribed = false;
  /** Every command attempted, in order (a put as `put:fill` or `put:mark`). */
  readonly calls: string[] = [];
  private listeners?: L2Listeners;
  private readonly holds = new Map<Command, { reached: Deferred<void>; release: Promise<void> }>();

  constructor(private readonly redis: FakeRedis) {}

  async start(listeners: L2Listeners): Promise<void> {
    this.listeners = listeners;
    this.redis.stores.add(this);
    this.subscribed = true;
    listeners.onSubscribed();
  }

  async stop(): Promise<void> {
    this.redis.stores.delete(this);
    this.subscribed = false;
    this.listeners = undefined;
  }

  async get(key: string): Promise<string | null> {
    this.command('get');
    const raw = this.redis.read(key);
    await this.held('get'); // the reply is on its way while the test acts
    return raw;
  }

  async put(
    key: string,
    record: string,
    rank: number,
    ttlMs: number,
    mode: 'fill' | 'mark',
  ): Promise<boolean> {
    this.command('put', `put:${mode}`);
    await this.held('put'); // the command is on its way while the test acts
    return this.redis.put(key, record, rank, ttlMs, mode);
  }

  async delete(key: string): Promise<void> {
    this.command('delete');
    this.redis.entries.delete(key);
  }

  async acquireLease(key: string, ttlMs: number): Promise<string | null> {
    this.command('acquireLease');
    const held = this.redis.leases.get(key);
    if (held && held.expiresAt > performance.now()) return null;
    const token = randomUUID();
    this.redis.leases.set(key, { token, expiresAt: performance.now() + ttlMs });
    return token;
  }

  async releaseLease(key: string, token: string): Promise<void> {
    this.command('releaseLease');
    if (this.redis.leases.get(key)?.token === token) this.redis.leases.delete(key);
  }

  async publish(message: string): Promise<void> {
    this.command('publish');
    this.redis.publish(message);
  }

  async flushAll(): Promise<number> {
    this.command('flushAll');
    const removed = this.redis.entries.size;
    this.redis.entries.clear();
    return removed;
  }

  deliver(message: string): void {
    this.listeners?.onInvalidation(message);
  }

  /** The next `command` does its work, then waits for `release()` before answering. */
  hold(command: Command): { reached: Promise<void>; release: () => void } {
    const reached = deferred();
    const release = deferred();
    this.holds.set(command, { reached, release: release.promise });
    return { reached: reached.promise, release: () => release.resolve() };
  }

  breaker(state: CircuitState): void {
    this.available = state !== CircuitState.Open;
    this.listeners?.onBreakerState(state);
  }

  reconnect(): void {
    this.listeners?.onReconnected();
  }

  loseSubscription(): void {
    this.subscribed = false;
    this.listeners?.onSubscriptionLost();
  }

  resubscribe(): void {
    this.subscribed = true;
    this.listeners?.onSubscribed();
  }

  /** The commands a read makes (a write's `put:mark` and `publish` are not among them). */
  readsAndFills(): string[] {
    return this.calls.filter((c) => ['get', 'put:fill', 'acquireLease'].includes(c));
  }

  /** Reads and fills go through the breaker; a write's commands do not (as in l2-store.ts). */
  private command(command: Command, recorded: string = command): void {
    this.calls.push(recorded);
    if (this.redis.down) throw new Error('connect ECONNREFUSED (fake Redis down)');
    const bypassesBreaker = ['put:mark', 'publish', 'delete', 'flushAll'].includes(recorded);
    if (!this.available && !bypassesBreaker) {
      throw new Error('Execution prevented because the circuit breaker is open');
    }
  }

  private async held(command: Command): Promise<void> {
    const hold = this.holds.get(command);
    if (!hold) return;
    this.holds.delete(command);
    hold.reached.resolve();
    await hold.release;
  }
}

/** A loader answering `value` at `version`, read at `atLsn`. */
function loader(value: Doc | null, atLsn: bigint | null = 100n) {
  return jest.fn(async (_positioned: boolean): Promise<Loaded<Doc>> => ({
    value,
    version: value?.version ?? 0,
    atLsn,
  }));
}

/** A loader that starts, then answers only when the test releases it. */
function pausedLoader(value: Doc | null, atLsn: bigint | null = 100n) {
  const started = deferred();
  const release = deferred();
  const load = jest.fn(async (_positioned: boolean): Promise<Loaded<Doc>> => {
    started.resolve();
    await release.promise;
    return { value, version: value?.version ?? 0, atLsn };
  });
  return { load, started: started.promise, release: () => release.resolve() };
}

describe('TieredCache', () => {
  let redis: FakeRedis;
  let toggles: { l1: boolean; l2: boolean; invalidation: boolean };
  let started: TieredCache[];

  function options(overrides: Partial<CacheOptions>): CacheOptions {
    return {
      redisUrl: 'redis://unused',
      redisTimeoutMs: 100,
      breakerThreshold: 3,
      breakerHalfOpenMs: 1000,
      l1MaxBytes: 1_000_000,
      l1TtlMs: 60_000,
      l2TtlMs: 60_000,
      l2TtlJitter: 0.1,
      negativeTtlMs: 60_000,
      tombstoneTtlMs: 60_000,
      leaseMs: 5_000,
      leaseWaitMs: 50,
      l1Enabled: () => toggles.l1,
      l2Enabled: () => toggles.l2,
      invalidationEnabled: () => toggles.invalidation,
      ...overrides,
    };
  }

  /** One instance of the service, as Nest starts it, on the shared fake Redis. */
  async function instance(overrides: Partial<CacheOptions> = {}) {
    const l2 = new FakeL2(redis);
    const cache = new TieredCache(options(overrides), l2);
    started.push(cache);
    await cache.onModuleInit();
    return { cache, l2 };
  }

  /**
   * The stale-set race: `reader` starts a read whose load pauses after reading `value`, `write`
   * lands (and every instance hears of it) meanwhile, and only then does the load answer.
   */
  async function readAcrossWrite(
    reader: TieredCache,
    value: Doc | null,
    write: () => Promise<unknown>,
  ): Promise<void> {
    const old = pausedLoader(value);
    const read = reader.get(KEY, undefined, old.load);
    await old.started;
    await write();
    await redis.delivered();
    old.release();
    await read;
  }

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    redis = new FakeRedis();
    toggles = { l1: true, l2: true, invalidation: true };
    started = [];
  });

  afterEach(async () => {
    await Promise.all(started.map((cache) => cache.onApplicationShutdown()));
  });

  describe('reading through the levels', () => {
    it('answers a repeated read from L1 without loading again', async () => {
      const { cache } = await instance();
      const load = loader(doc(1));

      expect(await cache.get(KEY, undefined, load)).toEqual(answer(doc(1), 'db'));
      expect(await cache.get(KEY, undefined, load)).toEqual(answer(doc(1), 'l1'));
      expect(load).toHaveBeenCalledTimes(1);
    });

    it("answers another instance from L2 without loading again, then from that instance's L1", async () => {
      const a = await instance();
      const b = await instance();
      await a.cache.get(KEY, undefined, loader(doc(1)));
      const loadB = loader(doc(1));

      expect(await b.cache.get(KEY, undefined, loadB)).toEqual(answer(doc(1), 'l2'));
      expect(await b.cache.get(KEY, undefined, loadB)).toEqual(answer(doc(1), 'l1'));
      expect(loadB).not.toHaveBeenCalled();
    });

    it('fills L2 with a value record ranked by version, at the position it was read', async () => {
      const { cache } = await instance();

      await cache.get(KEY, undefined, loader(doc(4), 0x2a0n));

      expect(redis.record(KEY)).toMatchObject({
        kind: 'value',
        rank: 4,
        atLsn: 0x2a0n,
        value: doc(4),
      });
    });
  });

  describe('single-flight', () => {
    it('shares one load among concurrent misses on a cold key', async () => {
      const { cache } = await instance();
      const { load, started: loading, release } = pausedLoader(doc(1));

      const reads = Array.from({ length: 5 }, () => cache.get(KEY, undefined, load));
      await loading;
      release();

      for (const answer of await Promise.all(reads)) expect(answer.value).toEqual(doc(1));
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('with both levels switched off, is the plain read path: every read loads, unpositioned', async () => {
      toggles.l1 = false;
      toggles.l2 = false;
      const { cache, l2 } = await instance();
      const { load, started: loading, release } = pausedLoader(doc(1));

      const reads = Array.from({ length: 3 }, () => cache.get(KEY, undefined, load));
      await loading;
      release();

      // Cache off: no record, so no serialized bytes either; the caller serializes the value.
      for (const got of await Promise.all(reads))
        expect(got).toEqual({ value: doc(1), level: 'db' });
      expect(load).toHaveBeenCalledTimes(3);
      expect(load.mock.calls.every(([positioned]) => positioned === false)).toBe(true);
      expect(l2.readsAndFills()).toEqual([]);
    });

    it("does not let a read after a write's answer join a read begun while the write was landing", async () => {
      const a = await instance();
      const b = await instance();
      await b.cache.get(KEY, undefined, loader(doc(1))); // v1 in L2
      const marking = a.l2.hold('put');
      const writing = a.cache.written(KEY, { version: 2 });
      await marking.reached; // committed, own L1 evicted, the floor not in L2 yet
      const getting = a.l2.hold('get');
      const early = a.cache.get(KEY, undefined, loader(doc(1)));
      await getting.reached; // this read has found v1 in L2
      marking.release();
      await writing; // the write is acknowledged

      const late = a.cache.get(KEY, undefined, loader(doc(2)));
      getting.release();

      expect(await early).toEqual(answer(doc(1), 'l2')); // began before the answer
      expect(await late).toEqual(answer(doc(2), 'db'));
    });

    it('does not share a load begun before the key was invalidated with a read after it', async () => {
      const { cache } = await instance();
      const old = pausedLoader(doc(1));
      const first = cache.get(KEY, undefined, old.load);
      await old.started;

      await cache.written(KEY, { version: 2 });
      const load = loader(doc(2));
      const second = await cache.get(KEY, undefined, load);
      old.release();

      expect(second.value).toEqual(doc(2));
      expect(load).toHaveBeenCalledTimes(1);
      expect((await first).value).toEqual(doc(1));
    });
  });

  describe('stale sets', () => {
    it('keeps a load that read an old version from replacing the record of a newer write in L2', async () => {
      const a = await instance();
      const b = await instance();
      await readAcrossWrite(a.cache, doc(1), () => b.cache.written(KEY, { version: 2 }));

      expect(redis.record(KEY)).toMatchObject({ kind: 'floor', rank: 2 });
      expect(await a.cache.get(KEY, undefined, loader(doc(2)))).toEqual(answer(doc(2), 'db'));
      const loadB = loader(doc(2));
      expect(await b.cache.get(KEY, undefined, loadB)).toEqual(answer(doc(2), 'l2'));
      expect(loadB).not.toHaveBeenCalled();
    });

    it('drops an L1 fill when the key was invalidated while its L2 read was answering', async () => {
      const a = await instance();
      const b = await instance();
      await b.cache.get(KEY, undefined, loader(doc(1)));
      const getting = a.l2.hold('get');
      const read = a.cache.get(KEY, undefined, loader(doc(1)));
      await getting.reached; // Redis has answered V|1

      await b.cache.written(KEY, { version: 2 });
      await redis.delivered();
      getting.release();

      expect(await read).toEqual(answer(doc(1), 'l2'));
      expect(await a.cache.get(KEY, undefined, loader(doc(2)))).toEqual(answer(doc(2), 'db'));
    });

    it('drops an L1 fill when the key was invalidated while its load was in flight', async () => {
      toggles.l2 = false; // only L1 could keep the old version
      const a = await instance();
      const b = await instance();
      await readAcrossWrite(a.cache, doc(1), () => b.cache.written(KEY, { version: 2 }));

      expect(await a.cache.get(KEY, undefined, loader(doc(2)))).toEqual(answer(doc(2), 'db'));
    });

    it('keeps a newer version in L1 over an older read that fills after it', async () => {
      const a = await instance({ leaseWaitMs: 0 });
      const b = await instance();
      const first = pausedLoader(doc(1), 100n);
      const untokened = a.cache.get(KEY, undefined, first.load);
      await first.started;
      // A token reader joins that load, finds it too old for its token, and loads on its own from
      // a replica that has its token's write but not the next one.
      const lagging = pausedLoader(doc(1), 210n);
      const tokened = a.cache.get(KEY, 200n, lagging.load);
      first.release();
      await untokened;
      await lagging.started;

      await b.cache.written(KEY, { version: 2 }); // its message has not reached a yet
      const fresh = await a.cache.get(KEY, 200n, loader(doc(2), 305n));
      lagging.release();

      expect(await tokened).toEqual(answer(doc(1), 'db'));
      expect(fresh).toEqual(answer(doc(2), 'db'));
      expect(a.cache.received).toBe(0);
      expect(await a.cache.get(KEY, 200n, loader(doc(2), 305n))).toEqual(answer(doc(2), 'l1'));
    });
  });

  describe('deletes', () => {
    it('answers a deleted document as absent from L2 on another instance, without loading', async () => {
      const a = await instance();
      const b = await instance();
      await a.cache.get(KEY, undefined, loader(doc(3)));
      await b.cache.get(KEY, undefined, loader(doc(3))); // now in b's L1 too

      await a.cache.written(KEY, { version: 3, deleted: true });
      await redis.delivered();

      const loadB = loader(doc(3));
      expect(await b.cache.get(KEY, undefined, loadB)).toEqual(answer(null, 'l2'));
      expect(await b.cache.get(KEY, 0xffffn << 32n, loadB)).toEqual(answer(null, 'l1'));
      expect(loadB).not.toHaveBeenCalled();
      expect(redis.record(KEY)).toMatchObject({ kind: 'absent', rank: 4 });
    });

    it('rejects a slow fill of the deleted version that lands after the delete', async () => {
      const a = await instance();
      const b = await instance();
      const slow = pausedLoader(doc(3));
      const read = b.cache.get(KEY, undefined, slow.load);
      await slow.started;

      await a.cache.written(KEY, { version: 3, deleted: true });
      slow.release();
      await read;

      expect(redis.record(KEY)).toMatchObject({ kind: 'absent', rank: 4 });
      const loadC = loader(doc(3));
      expect(await (await instance()).cache.get(KEY, undefined, loadC)).toEqual(answer(null, 'l2'));
      expect(loadC).not.toHaveBeenCalled();
    });
  });

  describe('consistency tokens', () => {
    it('answers a token at or before the position an entry was read at', async () => {
      const { cache } = await instance();
      const load = loader(doc(1), 100n);
      await cache.get(KEY, undefined, load);

      expect(await cache.get(KEY, 100n, load)).toEqual(answer(doc(1), 'l1'));
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('loads for a token past the position of the cached entries, in L1 and in L2', async () => {
      const a = await instance();
      const b = await instance();
      await a.cache.get(KEY, undefined, loader(doc(1), 100n));
      const loadA = loader(doc(1), 250n);
      const loadB = loader(doc(1), 250n);

      expect(await b.cache.get(KEY, 200n, loadB)).toEqual(answer(doc(1), 'db'));
      // B's load, read at 250, refreshed the same version's L2 record: A's L1 (at 100) is passed
      // over, and L2 now answers the token.
      expect(redis.record(KEY)).toMatchObject({ kind: 'value', rank: 1, atLsn: 250n });
      expect(await a.cache.get(KEY, 200n, loadA)).toEqual(answer(doc(1), 'l2'));
      expect(await b.cache.get(KEY, 200n, loadB)).toEqual(answer(doc(1), 'l1'));
      expect(loadA).not.toHaveBeenCalled();
      expect(loadB).toHaveBeenCalledTimes(1);
      // A record for the same version at an older position does not replace the newer one.
      expect(
        redis.put(
          KEY,
          CacheEntries.encode(CacheEntries.make('value', 1, 120n, doc(1))),
          1,
          1000,
          'fill',
        ),
      ).toBe(false);
    });

    it('never answers a token from an entry read at an unknown position', async () => {
      const a = await instance();
      const b = await instance();
      const load = loader(doc(1), null);
      await a.cache.get(KEY, undefined, load);

      expect(await a.cache.get(KEY, undefined, load)).toMatchObject({ level: 'l1' });
      expect(await a.cache.get(KEY, 1n, load)).toMatchObject({ level: 'db' });
      expect(await b.cache.get(KEY, 1n, load)).toMatchObject({ level: 'db' });
      expect(load).toHaveBeenCalledTimes(3);
    });

    it('does not join a load in flight that cannot answer its token', async () => {
      const { cache } = await instance();
      const first = pausedLoader(doc(1), 100n);
      const untokened = cache.get(KEY, undefined, first.load);
      await first.started;

      const load = loader(doc(1), 300n);
      const tokened = cache.get(KEY, 200n, load);
      first.release();

      expect(await untokened).toMatchObject({ level: 'db' });
      expect(await tokened).toEqual(answer(doc(1), 'db'));
      expect(load).toHaveBeenCalledTimes(1);
    });

    it.each([
      [true, true, true],
      [true, false, true],
      [false, true, true],
      [false, false, false],
    ])(
      'asks the loader for a positioned read with CACHE_L1 %p and CACHE_L2 %p: %p',
      async (l1, l2, positioned) => {
        toggles.l1 = l1;
        toggles.l2 = l2;
        const { cache } = await instance();
        const load = loader(doc(1));

        await cache.get(KEY, undefined, load);

        expect(load).toHaveBeenCalledWith(positioned);
      },
    );
  });

  describe('negative caching', () => {
    it('caches a read that found nothing, in both levels', async () => {
      const a = await instance();
      const b = await instance();
      const load = loader(null);

      expect(await a.cache.get(KEY, undefined, load)).toEqual(answer(null, 'db'));
      expect(await a.cache.get(KEY, undefined, load)).toEqual(answer(null, 'l1'));
      expect(await b.cache.get(KEY, undefined, load)).toEqual(answer(null, 'l2'));
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('keeps a not-found in L1 no longer than negativeTtlMs, though L1 keeps values longer', async () => {
      toggles.l2 = false;
      const { cache } = await instance({ l1TtlMs: 60_000, negativeTtlMs: 30 });
      const load = loader(null);
      await cache.get(KEY, undefined, load);

      await pollUntil(async () => (await cache.get(KEY, undefined, load)).level === 'db', {
        timeoutMs: 2_000,
        intervalMs: 10,
        what: 'the not-found to expire',
      });

      expect(load.mock.calls.length).toBeGreaterThanOrEqual(2);
    });

    it('forgets a cached not-found once the document is written', async () => {
      const a = await instance();
      const b = await instance();
      await a.cache.get(KEY, undefined, loader(null));
      await b.cache.get(KEY, undefined, loader(null));

      await a.cache.written(KEY, { version: 1 });
      await redis.delivered();

      expect(await a.cache.get(KEY, undefined, loader(doc(1)))).toEqual(answer(doc(1), 'db'));
      expect(await b.cache.get(KEY, undefined, loader(doc(1)))).toEqual(answer(doc(1), 'l2'));
    });
  });

  describe('toggles', () => {
    it('never answers from L1 while CACHE_L1 is off', async () => {
      toggles.l1 = false;
      const { cache } = await instance();
      const load = loader(doc(1));

      const levels = [];
      for (let i = 0; i < 3; i++) levels.push((await cache.get(KEY, undefined, load)).level);

      expect(levels).toEqual(['db', 'l2', 'l2']);
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('starts L1 empty when CACHE_L1 is switched back on', async () => {
      const { cache } = await instance();
      const load = loader(doc(1));
      await cache.get(KEY, undefined, load);
      expect(await cache.get(KEY, undefined, load)).toMatchObject({ level: 'l1' });

      toggles.l1 = false;
      expect(await cache.get(KEY, undefined, load)).toMatchObject({ level: 'l2' });
      toggles.l1 = true;

      expect(await cache.get(KEY, undefined, load)).toMatchObject({ level: 'l2' });
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('neither reads nor fills L2 while CACHE_L2 is off', async () => {
      toggles.l2 = false;
      const a = await instance();
      const b = await instance();
      const load = loader(doc(1));

      expect(await a.cache.get(KEY, undefined, load)).toMatchObject({ level: 'db' });
      expect(await a.cache.get(KEY, undefined, load)).toMatchObject({ level: 'l1' });
      expect(await b.cache.get(KEY, undefined, load)).toMatchObject({ level: 'db' });

      expect(load).toHaveBeenCalledTimes(2);
      expect([...a.l2.readsAndFills(), ...b.l2.readsAndFills()]).toEqual([]);
      expect(redis.entries.size).toBe(0);
    });

    it('still invalidates every instance on a write while CACHE_L2 is off', async () => {
      toggles.l2 = false;
      const a = await instance();
      const b = await instance();
      await b.cache.get(KEY, undefined, loader(doc(1)));

      await a.cache.written(KEY, { version: 2 });
      await redis.delivered();

      expect(a.l2.calls).toEqual(['put:mark', 'publish']);
      expect(redis.record(KEY)).toMatchObject({ kind: 'floor', rank: 2 }); // for when L2 is back
      expect(await b.cache.get(KEY, undefined, loader(doc(2)))).toEqual(answer(doc(2), 'db'));
    });
  });

  describe('invalidation subscription', () => {
    it('drops L1 when the subscription is lost and bypasses it until resubscribed', async () => {
      const a = await instance();
      const load = loader(doc(1));
      await a.cache.get(KEY, undefined, load);
      expect(await a.cache.get(KEY, undefined, load)).toMatchObject({ level: 'l1' });

      a.l2.loseSubscription();
      const whileLost = [];
      for (let i = 0; i < 2; i++) whileLost.push((await a.cache.get(KEY, undefined, load)).level);
      expect(whileLost).toEqual(['l2', 'l2']);
      expect(a.cache.l1Ready).toBe(false);

      a.l2.resubscribe();
      expect(a.cache.l1Ready).toBe(true);
      expect(await a.cache.get(KEY, undefined, load)).toMatchObject({ level: 'l2' });
      expect(await a.cache.get(KEY, undefined, load)).toMatchObject({ level: 'l1' });
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('does not fill from a load in flight when the subscription dropped', async () => {
      const a = await instance();
      const old = pausedLoader(doc(1));
      const read = a.cache.get(KEY, undefined, old.load);
      await old.started;

      a.l2.loseSubscription();
      a.l2.resubscribe();
      old.release();
      await read;

      const load = loader(doc(1));
      expect(await a.cache.get(KEY, undefined, load)).toMatchObject({ level: 'db' });
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('does not fill L1 from a load begun while unsubscribed: writes meanwhile went unheard', async () => {
      const a = await instance();
      const b = await instance();
      a.l2.loseSubscription();
      const old = pausedLoader(doc(1));
      const read = a.cache.get(KEY, undefined, old.load);
      await old.started;

      await b.cache.written(KEY, { version: 2 });
      await redis.delivered(); // not to a: it is not subscribed
      a.l2.resubscribe();
      old.release();
      await read;

      expect(await a.cache.get(KEY, undefined, loader(doc(2)))).toEqual(answer(doc(2), 'db'));
    });

    it('does not share a load begun while unsubscribed with a read after resubscribing', async () => {
      const a = await instance();
      const b = await instance();
      a.l2.loseSubscription();
      const old = pausedLoader(doc(1));
      const first = a.cache.get(KEY, undefined, old.load);
      await old.started;
      await b.cache.written(KEY, { version: 2 });
      await redis.delivered();
      a.l2.resubscribe();

      const second = a.cache.get(KEY, undefined, loader(doc(2)));
      old.release();

      expect((await first).value).toEqual(doc(1));
      expect((await second).value).toEqual(doc(2));
    });
  });

  describe('reads from a lagging source', () => {
    it('does not keep in L1 a version L2 refused as older than its record', async () => {
      const a = await instance();
      await a.cache.written(KEY, { version: 2 });
      await redis.delivered();
      const b = await instance(); // started after the write: it never heard of v2
      const lagging = loader(doc(1)); // a replica that has not replayed v2 yet

      expect(await b.cache.get(KEY, undefined, lagging)).toEqual(answer(doc(1), 'db'));
      expect(redis.record(KEY)).toMatchObject({ kind: 'floor', rank: 2 });
      const load = loader(doc(2));
      expect(await b.cache.get(KEY, undefined, load)).toEqual(answer(doc(2), 'db'));
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('with L2 off, refuses an L1 fill older than the version an invalidation named', async () => {
      const a = await instance();
      const b = await instance();
      toggles.l2 = false;
      await a.cache.written(KEY, { version: 2 });
      await redis.delivered(); // B heard "2|key" before its read began

      expect(await b.cache.get(KEY, undefined, loader(doc(1)))).toMatchObject({ level: 'db' });
      const load = loader(doc(2));
      expect(await b.cache.get(KEY, undefined, load)).toEqual(answer(doc(2), 'db'));
      expect(await b.cache.get(KEY, undefined, load)).toEqual(answer(doc(2), 'l1'));
    });
  });

  describe('Redis outage', () => {
    it('answers from the loader while every L2 command fails', async () => {
      const { cache, l2 } = await instance();
      redis.down = true;
      const load = loader(doc(1));

      expect(await cache.get(KEY, undefined, load)).toEqual(answer(doc(1), 'db'));
      expect(load).toHaveBeenCalledTimes(1);
      expect(l2.calls).toEqual(expect.arrayContaining(['get', 'acquireLease', 'put:fill']));
    });

    it('sends no command to L2 while its breaker is open', async () => {
      const { cache, l2 } = await instance();
      l2.breaker(CircuitState.Open);

      expect(await cache.get(KEY, undefined, loader(doc(1)))).toMatchObject({ level: 'db' });
      expect(l2.calls).toEqual([]);
    });

    it("lands a write's record while the breaker is open but Redis answers (no missed write)", async () => {
      const a = await instance();
      const b = await instance();
      await b.cache.get(KEY, undefined, loader(doc(1)));
      a.l2.breaker(CircuitState.Open); // e.g. opened by slow reads a moment ago

      await a.cache.written(KEY, { version: 2 });
      await redis.delivered();

      expect(a.cache.pendingWrites).toBe(0);
      expect(redis.record(KEY)).toMatchObject({ kind: 'floor', rank: 2 });
      expect(await b.cache.get(KEY, undefined, loader(doc(2)))).toEqual(answer(doc(2), 'db'));
    });

    it('replays missed writes as soon as the connection is back', async () => {
      const { cache, l2 } = await instance({ breakerHalfOpenMs: 60_000 }); // no timer in time
      redis.down = true;
      await cache.written(KEY, { version: 2 });
      expect(cache.pendingWrites).toBe(1);
      redis.down = false;

      l2.reconnect();
      await pollUntil(() => cache.pendingWrites === 0, { ...PROMPTLY, what: 'the replay' });
      expect(redis.record(KEY)).toMatchObject({ kind: 'floor', rank: 2 });
    });

    it('does not fill L2 from a read begun before its own write missed L2', async () => {
      const a = await instance();
      const b = await instance();
      const old = pausedLoader(doc(1));
      const read = a.cache.get(KEY, undefined, old.load); // began with L2 in use
      await old.started;
      redis.down = true;
      await a.cache.written(KEY, { version: 2 }); // missed: no floor in L2
      redis.down = false;
      old.release();
      await read;

      expect(a.l2.calls).not.toContain('put:fill');
      expect(await b.cache.get(KEY, undefined, loader(doc(2)))).toEqual(answer(doc(2), 'db'));
    });

    it('replays missed writes before shutting down', async () => {
      const a = await instance({ breakerHalfOpenMs: 60_000 }); // no timer in time
      redis.down = true;
      await a.cache.written(KEY, { version: 2 });
      redis.down = false;

      await a.cache.onApplicationShutdown();
      expect(redis.record(KEY)).toMatchObject({ kind: 'floor', rank: 2 });
    });

    it('does not read L2 itself while its own missed writes wait for replay', async () => {
      const { cache, l2 } = await instance();
      await cache.get(KEY, undefined, loader(doc(1))); // v1 in L2
      redis.down = true;
      l2.breaker(CircuitState.Open);
      await cache.written(KEY, { version: 2 });
      redis.down = false;
      l2.available = true; // Redis reachable again, the replay not done yet

      const load = loader(doc(2));
      const calls = l2.calls.length;
      expect(await cache.get(KEY, undefined, load)).toEqual(answer(doc(2), 'db'));
      expect(l2.calls.slice(calls)).not.toContain('get');

      l2.breaker(CircuitState.Closed);
      await pollUntil(() => cache.pendingWrites === 0, { ...PROMPTLY, what: 'the replay' });
      expect(redis.record(KEY)).toMatchObject({ kind: 'floor', rank: 2 });
    });

    it('remembers a write that could not reach L2, and replays it once the breaker closes', async () => {
      const a = await instance();
      const b = await instance();
      await b.cache.get(KEY, undefined, loader(doc(1))); // in L2 and b's L1
      redis.down = true;
      a.l2.breaker(CircuitState.Open);

      await a.cache.written(KEY, { version: 2 });
      expect(a.cache.pendingWrites).toBe(1);
      expect(redis.published).toEqual([]);
      // The window a write unable to reach Redis leaves: the other instance still serves v1.
      expect(await b.cache.get(KEY, undefined, loader(doc(2)))).toEqual(answer(doc(1), 'l1'));

      redis.down = false;
      a.l2.breaker(CircuitState.Closed);
      await pollUntil(() => a.cache.pendingWrites === 0, { ...PROMPTLY, what: 'the replay' });
      await redis.delivered();

      expect(redis.record(KEY)).toMatchObject({ kind: 'floor', rank: 2 });
      expect(redis.published).toEqual([`2|${KEY}`]);
      expect(await b.cache.get(KEY, undefined, loader(doc(2)))).toEqual(answer(doc(2), 'db'));
    });

    it('replays a missed write within a second even when no breaker event comes', async () => {
      const { cache } = await instance();
      redis.down = true; // a blip shorter than the breaker threshold
      await cache.written(KEY, { version: 2 });
      expect(cache.pendingWrites).toBe(1);

      redis.down = false;
      await pollUntil(() => cache.pendingWrites === 0, { timeoutMs: 3_000, what: 'the replay' });

      expect(redis.record(KEY)).toMatchObject({ kind: 'floor', rank: 2 });
      expect(redis.published).toEqual([`2|${KEY}`]);
    });

    it('keeps a write remembered while the replay still fails', async () => {
      const { cache, l2 } = await instance();
      redis.down = true;
      await cache.written(KEY, { version: 2 });
      await cache.written(KEY, { version: 3, deleted: true });

      l2.breaker(CircuitState.Closed); // judged back, but Redis still refuses
      await pollUntil(() => l2.calls.filter((c) => c === 'put:mark').length === 3, {
        what: 'the replay attempt',
      });
      await new Promise((resolve) => setImmediate(resolve)); // the failed replay's last microtasks
      expect(cache.pendingWrites).toBe(1);

      redis.down = false;
      l2.breaker(CircuitState.Closed);
      await pollUntil(() => cache.pendingWrites === 0, { ...PROMPTLY, what: 'the replay' });
      expect(redis.record(KEY)).toMatchObject({ kind: 'absent', rank: 4 });
    });

    it('does not fill from a load begun before the breaker opened, after it closes again', async () => {
      const { cache, l2 } = await instance();
      const old = pausedLoader(doc(1));
      const read = cache.get(KEY, undefined, old.load);
      await old.started;

      l2.breaker(CircuitState.Open);
      l2.breaker(CircuitState.Closed);
      old.release();

      expect(await read).toEqual(answer(doc(1), 'db'));
      expect(l2.calls).not.toContain('put:fill');
      expect(redis.record(KEY)).toBeUndefined();
      const load = loader(doc(1));
      expect(await cache.get(KEY, undefined, load)).toMatchObject({ level: 'db' });
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('flushes L2 and every L1 on recovery after missing more writes than it remembers', async () => {
      const remembered = 10_000;
      const a = await instance();
      const b = await instance();
      await b.cache.get(KEY, undefined, loader(doc(1)));
      redis.down = true;

      for (let i = 0; i <= remembered; i++) await a.cache.written(`doc:t1:w${i}`, { version: 2 });
      expect(a.cache.pendingWrites).toBe(remembered);

      redis.down = false;
      a.l2.breaker(CircuitState.Closed);
      await pollUntil(() => a.cache.pendingWrites === 0, { ...PROMPTLY, what: 'the flush' });
      await redis.delivered();

      expect(a.l2.calls).toContain('flushAll');
      expect(redis.published).toEqual(['*', '*']); // before the scan, and after it
      expect(redis.entries.size).toBe(0);
      expect(await b.cache.get(KEY, undefined, loader(doc(1)))).toMatchObject({ level: 'db' });
    });
  });

  describe('with invalidation switched off (the naive pattern)', () => {
    beforeEach(() => {
      toggles.invalidation = false;
    });

    it('flushes L2 and every L1 when switched back on: its writes left no floors', async () => {
      const a = await instance({ breakerHalfOpenMs: 50 });
      const b = await instance();
      await b.cache.get(KEY, undefined, loader(doc(1)));
      await a.cache.written(KEY, { version: 2 }); // naive: plain delete
      const c = await instance();
      await c.cache.get(KEY, undefined, loader(doc(1))); // a lagging read puts v1 back in L2
      expect(redis.record(KEY)).toMatchObject({ kind: 'value', rank: 1 });

      toggles.invalidation = true;
      await pollUntil(() => redis.published.includes('*'), { ...PROMPTLY, what: 'the flush' });
      await pollUntil(() => a.cache.pendingWrites === 0 && redis.entries.size === 0, {
        ...PROMPTLY,
        what: 'L2 emptied',
      });
      await redis.delivered();
      expect(await b.cache.get(KEY, undefined, loader(doc(2)))).toEqual(answer(doc(2), 'db'));
    });

    it('deletes from L2 and evicts its own L1 on a write, and tells no other instance', async () => {
      const a = await instance();
      const b = await instance();
      await a.cache.get(KEY, undefined, loader(doc(1)));
      await b.cache.get(KEY, undefined, loader(doc(1)));

      await a.cache.written(KEY, { version: 2 });
      await redis.delivered();

      expect(a.l2.calls).not.toContain('put:mark');
      expect(a.l2.calls).toContain('delete');
      expect(redis.published).toEqual([]);
      expect(redis.record(KEY)).toBeUndefined();
      expect(await a.cache.get(KEY, undefined, loader(doc(2)))).toEqual(answer(doc(2), 'db'));
      expect(await b.cache.get(KEY, undefined, loader(doc(2)))).toEqual(answer(doc(1), 'l1'));
    });

    it('lets a load that read an old version fill L2 after a newer write', async () => {
      const a = await instance();
      const b = await instance();
      const old = pausedLoader(doc(1));
      const read = a.cache.get(KEY, undefined, old.load);
      await old.started;

      await b.cache.written(KEY, { version: 2 });
      old.release();
      await read;

      expect(redis.record(KEY)).toMatchObject({ kind: 'value', rank: 1 });
    });
  });

  describe('load lease', () => {
    it("waits for the lease holder's fill instead of loading", async () => {
      const holder = await instance();
      const waiter = await instance({ leaseWaitMs: 1_000 });
      const slow = pausedLoader(doc(1));
      const holding = holder.cache.get(KEY, undefined, slow.load);
      await slow.started;

      const load = loader(doc(1));
      const waiting = waiter.cache.get(KEY, undefined, load);
      await pollUntil(() => waiter.l2.calls.includes('acquireLease'), {
        what: 'the lease attempt',
      });
      slow.release();

      expect(await waiting).toEqual(answer(doc(1), 'l2'));
      expect(load).not.toHaveBeenCalled();
      await holding;
      expect(redis.leases.size).toBe(0);
    });

    it("loads itself when the holder's fill does not come within leaseWaitMs", async () => {
      const holder = await instance();
      const waiter = await instance({ leaseWaitMs: 50 });
      const stuck = pausedLoader(doc(1));
      const holding = holder.cache.get(KEY, undefined, stuck.load);
      await stuck.started;

      const load = loader(doc(1));
      const got = await waiter.cache.get(KEY, undefined, load);

      expect(got).toEqual(answer(doc(1), 'db'));
      expect(load).toHaveBeenCalledTimes(1);
      expect(waiter.l2.calls.filter((c) => c === 'get').length).toBeGreaterThan(1); // it polled
      stuck.release();
      await holding;
    });
  });

  describe('load lease, taken just after another instance filled', () => {
    it('answers from L2 when the fill landed between its miss and its lease', async () => {
      const a = await instance();
      const b = await instance();
      const missing = a.l2.hold('get');
      const load = loader(doc(1));
      const read = a.cache.get(KEY, undefined, load);
      await missing.reached; // L2 answered "nothing"

      await b.cache.get(KEY, undefined, loader(doc(1))); // loads, fills, releases its lease
      missing.release();

      expect(await read).toEqual(answer(doc(1), 'l2'));
      expect(load).not.toHaveBeenCalled();
      expect(redis.leases.size).toBe(0);
    });
  });

  describe('with CACHE_LEASE_WAIT_MS=0', () => {
    it('loads at once when another instance holds the lease, without polling L2', async () => {
      const holder = await instance();
      const reader = await instance({ leaseWaitMs: 0 });
      const stuck = pausedLoader(doc(1));
      const holding = holder.cache.get(KEY, undefined, stuck.load);
      await stuck.started;

      const load = loader(doc(1));
      expect(await reader.cache.get(KEY, undefined, load)).toEqual(answer(doc(1), 'db'));
      expect(reader.l2.calls.filter((c) => c === 'get')).toHaveLength(1);
      stuck.release();
      await holding;
    });
  });

  describe('fill deadline', () => {
    it('drops the fills of a load slower than half the lifetime of write records', async () => {
      const tombstoneTtlMs = 40;
      const { cache } = await instance({ tombstoneTtlMs });
      const slow = jest.fn(async (): Promise<Loaded<Doc>> => {
        // The slow database itself, not a synchronisation sleep.
        await new Promise((resolve) => setTimeout(resolve, tombstoneTtlMs * 1.5));
        return { value: doc(1), version: 1, atLsn: 100n };
      });

      expect(await cache.get(KEY, undefined, slow)).toEqual(answer(doc(1), 'db'));
      expect(redis.record(KEY)).toBeUndefined();
      const load = loader(doc(1));
      expect(await cache.get(KEY, undefined, load)).toMatchObject({ level: 'db' });
      expect(load).toHaveBeenCalledTimes(1);
    });
  });

  describe('L1 bound', () => {
    const keys = Array.from({ length: 10 }, (_, i) => `doc:t1:k${i}`);
    const body = 'x'.repeat(200);
    const entrySize = CacheEntries.l1Size(
      CacheEntries.make('value', 1, 100n, doc(1, body)),
      keys[0],
    );

    it('holds no more than l1MaxBytes, evicting the least recently used', async () => {
      toggles.l2 = false;
      const { cache } = await instance({ l1MaxBytes: Math.floor(entrySize * 3.5) });
      for (const key of keys) await cache.get(key, undefined, loader(doc(1, body)));

      const levels = [];
      for (const key of [...keys].reverse()) {
        levels.push((await cache.get(key, undefined, loader(doc(1, body)))).level);
      }

      expect(levels.filter((level) => level === 'l1')).toHaveLength(3);
      expect(levels.slice(0, 3)).toEqual(['l1', 'l1', 'l1']);
    });

    it('answers a value larger than the whole bound without keeping it', async () => {
      toggles.l2 = false;
      const { cache } = await instance({ l1MaxBytes: entrySize - 1 });
      const load = loader(doc(1, body));

      expect(await cache.get(KEY, undefined, load)).toEqual(answer(doc(1, body), 'db'));
      expect(await cache.get(KEY, undefined, load)).toMatchObject({ level: 'db' });
      expect(load).toHaveBeenCalledTimes(2);
    });
  });
});
