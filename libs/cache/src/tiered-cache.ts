/**
 * Multi-level cache-aside: L1 (this process, lru-cache bounded in bytes) → L2 (Redis) → loader
 * (the database), correct across instances and under concurrency. docs/patterns/cache-aside.md
 * draws each race; in short:
 *
 * - Invalidation: a write evicts its own L1, leaves a record in L2 (a floor at its new version, or
 *   a deletion marker) and publishes the key; every instance evicts its L1 copy on the message.
 *   An instance whose subscription drops empties L1 and stops using it until subscribed again.
 * - Stale sets: an L2 fill is a compare-and-set on the version (Lua), so a reader that loaded an
 *   old version cannot replace a newer record; an L1 fill is dropped when L2 refused it, when an
 *   invalidation for the key arrived since the read began (a per-key sequence number) or named a
 *   newer version, and any fill is dropped when its load began longer ago than half the write
 *   records' lifetime.
 * - Read-your-writes: entries carry the WAL position they were read at; a reader with a
 *   consistency token only accepts entries at least as new as the token.
 * - Stampedes: concurrent misses on one key in one process share one load (single-flight); across
 *   processes a short Redis lease lets one loader fill while the others poll L2 for a moment, then
 *   load themselves (a dead lease holder costs a wait, never an error).
 * - Degradation: reads reach Redis through a breaker with a short timeout (l2-store.ts); writes
 *   always try it. Writes that could not reach L2 are remembered and replayed as soon as Redis is
 *   back; until its replay is done, the instance does not read L2 either. Another instance may,
 *   meanwhile: that is the one window a writer cut off from Redis leaves
 *   (docs/patterns/cache-aside.md, "Known limits").
 *
 * Written here rather than taken from a library: the cache libraries we looked at (cache-manager,
 * keyv layers) delete on write and set on read, which is exactly the stale-set race this fixes.
 */
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { CircuitState } from 'cockatiel';
import { LRUCache } from 'lru-cache';
import { CacheEntries, CacheEntry, Loaded } from './cache-entry';
import { CACHE_OPTIONS, L2_STORE } from './cache.module-definition';
import { CacheOptions } from './cache.options';
import { CacheLevel, CacheTelemetry } from './cache-telemetry';
import { L2Store, RedisL2 } from './l2-store';

export type { CacheLevel } from './cache-telemetry';

export interface CacheAnswer<T> {
  /** The cached or loaded value; null when the key has none (a cached or loaded "not found"). */
  value: T | null;
  /**
   * `value` as UTF-8 JSON, serialized once per cache record (not per answer): send these bytes
   * rather than serializing `value` again. Undefined with the cache off.
   */
  body?: Buffer;
  level: CacheLevel;
}

interface Fetched {
  entry: CacheEntry;
  level: CacheLevel;
}

/** Where a read began: fills check nothing was invalidated since. */
interface ReadStart {
  seq: number;
  atMs: number;
}

interface Invalidation {
  seq: number;
  rank: number;
}

/** Remembered writes are bounded; past this many, the whole L2 is flushed on recovery. */
const MAX_MISSED_WRITES = 10_000;
/** Keys whose last invalidation is remembered for the L1 fill check; older ones raise a floor. */
const MAX_REMEMBERED_INVALIDATIONS = 100_000;
const REPLAY_INTERVAL_MS = 1000;
const SHUTDOWN_REPLAY_MS = 1000;
const FLUSH_ALL = '*';
/** The L2 breaker's state as CacheOptions.onBreakerState names it. */
const BREAKER_STATE: Record<CircuitState, 'closed' | 'open' | 'half-open'> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

@Injectable()
export class TieredCache implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('TieredCache');
  private readonly l2: L2Store;
  private readonly l1: LRUCache<string, CacheEntry>;
  private readonly flights = new Map<string, Promise<Fetched>>();
  /** Sequence of invalidations seen by this process, the last one per key, and a floor for all. */
  private seq = 0;
  private floorSeq = 0;
  /** Per key: the sequence number of its last invalidation, and the rank that write left. */
  private readonly invalidatedAt: LRUCache<string, Invalidation>;
  private missedWrites = new Map<string, CacheEntry>();
  /** Writes were missed beyond count (or made in the naive mode): L2 must be flushed. */
  private lostTrack = false;
  private flushing = false;
  private invalidationWasOn: boolean;
  private invalidationsReceived = 0;
  private l1WasOn: boolean;
  private replayTimer?: NodeJS.Timeout;
  private replaying?: Promise<void>;
  private readonly fillDeadlineMs: number;
  private readonly replayIntervalMs: number;
  private readonly telemetry = new CacheTelemetry();

  constructor(
    @Inject(CACHE_OPTIONS) private readonly options: CacheOptions,
    @Optional() @Inject(L2_STORE) l2?: L2Store,
  ) {
    this.l2 =
      l2 ??
      new RedisL2({
        redisUrl: options.redisUrl,
        keyPrefix: options.keyPrefix ?? 'docscale:cache',
        timeoutMs: options.redisTimeoutMs,
        breakerThreshold: options.breakerThreshold,
        halfOpenAfterMs: options.breakerHalfOpenMs,
      });
    this.l1 = new LRUCache<string, CacheEntry>({
      maxSize: options.l1MaxBytes,
      sizeCalculation: (entry, key) => CacheEntries.l1Size(entry, key),
      ttl: options.l1TtlMs,
      ttlAutopurge: false,
    });
    this.fillDeadlineMs = options.tombstoneTtlMs / 2;
    this.replayIntervalMs = Math.min(REPLAY_INTERVAL_MS, options.breakerHalfOpenMs);
    this.invalidatedAt = new LRUCache<string, Invalidation>({
      max: MAX_REMEMBERED_INVALIDATIONS,
      // A fill older than the deadline is dropped anyway, so older invalidations can be forgotten;
      // one pushed out early by size raises the floor instead, which only costs fills.
      ttl: this.fillDeadlineMs,
      dispose: ({ seq }, _key, reason) => {
        if (reason === 'evict') this.floorSeq = Math.max(this.floorSeq, seq);
      },
    });
    this.l1WasOn = options.l1Enabled();
    this.invalidationWasOn = options.invalidationEnabled();
  }

  async onModuleInit(): Promise<void> {
    this.telemetry.observe(
      this.l1,
      () => this.l1On(),
      () => this.l2.available,
      () => this.missedWrites.size + (this.lostTrack ? 1 : 0),
    );
    await this.l2.start({
      onInvalidation: (message) => {
        this.invalidationsReceived++;
        this.telemetry.invalidation('received');
        if (message === FLUSH_ALL) return this.dropLocal('flush');
        const bar = message.indexOf('|');
        this.evictLocal(message.slice(bar + 1), Number(message.slice(0, bar)) || 0);
      },
      onSubscribed: () => {
        this.log.log('cache invalidations subscribed: L1 in use');
        // A read begun while unsubscribed may hold a version whose invalidation went unheard: it
        // must neither fill L1 nor be shared with the reads that follow.
        this.dropLocal('subscribed');
      },
      onSubscriptionLost: () => {
        this.log.warn('cache invalidations unsubscribed: L1 dropped until resubscribed');
        this.dropLocal('subscription-lost');
      },
      onBreakerState: (state) => {
        this.telemetry.breaker(state);
        this.options.onBreakerState?.(BREAKER_STATE[state]);
        // A load in flight across an outage must not fill: writes during it left no record.
        if (state === CircuitState.Open) this.floorSeq = ++this.seq;
        if (state === CircuitState.Closed) void this.replayMissedWrites();
      },
      onReconnected: () => void this.replayMissedWrites(),
    });
    this.replayTimer = setInterval(() => void this.replayMissedWrites(), this.replayIntervalMs);
    this.replayTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.replayTimer);
    // A last chance for writes Redis missed: lost with this process, L2 would keep what they replaced.
    await Promise.race([
      this.replayMissedWrites(),
      new Promise((resolve) => setTimeout(resolve, SHUTDOWN_REPLAY_MS).unref()),
    ]);
    if (this.missedWrites.size > 0 || this.lostTrack) {
      this.log.warn(
        `shutting down with ${this.missedWrites.size} writes not replayed into L2: ` +
          `other instances may serve what they replaced until CACHE_L2_TTL_MS`,
      );
    }
    this.telemetry.stop();
    await this.l2.stop();
  }

  /**
   * Cache-aside read of `key`. `minLsn`: the caller's consistency token position, if any; only
   * entries known to be at least that new answer it. `load` reads the source of truth; its
   * argument says whether the result may be stored (then it must give the atLsn it read at).
   */
  async get<T>(
    key: string,
    minLsn: bigint | undefined,
    load: (positioned: boolean) => Promise<Loaded<T>>,
  ): Promise<CacheAnswer<T>> {
    const start: ReadStart = { seq: this.seq, atMs: performance.now() };
    const l1On = this.l1On();
    if (!l1On && !this.options.l2Enabled()) {
      // Cache off: the plain read path, with no sharing of loads either (the baseline to compare).
      const loaded = await load(false);
      this.telemetry.answered('db');
      return { value: loaded.value, level: 'db' };
    }
    if (l1On) {
      const entry = this.l1.get(key);
      const result = !entry ? 'miss' : CacheEntries.answers(entry, minLsn) ? 'hit' : 'too_old';
      this.telemetry.lookup('l1', result);
      if (entry && result === 'hit') return this.answer<T>({ entry, level: 'l1' });
    }
    const shared = this.flights.get(key);
    if (shared) {
      const fetched = await shared;
      if (CacheEntries.answers(fetched.entry, minLsn)) {
        this.telemetry.load('collapsed');
        return this.answer<T>(fetched);
      }
    }
    const flight = this.fetch(key, minLsn, load, start);
    if (!shared) {
      this.flights.set(key, flight);
      const done = () => this.flights.get(key) === flight && this.flights.delete(key);
      flight.then(done, done);
    }
    return this.answer<T>(await flight);
  }

  /**
   * After a write to `key` committed, before it is acknowledged: no instance serves an older
   * version from then on (see the class comment for the one window a partitioned writer leaves).
   * Never throws: the write is committed whatever the cache says.
   */
  async written(key: string, change: { version: number; deleted?: boolean }): Promise<void> {
    const record = CacheEntries.afterWrite(change);
    this.evictLocal(key, record.rank);
    if (!this.invalidationOn()) {
      // The naive pattern, for experiments: delete from Redis, tell nobody, guard against nothing.
      await this.l2.delete(key).catch(() => undefined);
      return;
    }
    if (!(await this.leaveRecord(key, record))) this.rememberMissed(key, record);
    // Again: a read begun while the record was on its way may have found the old value in L2,
    // and a request arriving after this write's answer must not join it.
    this.evictLocal(key, record.rank);
  }

  /** Test and experiment hook: how many writes are waiting to be replayed into L2. */
  get pendingWrites(): number {
    return this.missedWrites.size;
  }

  /** Test hook: invalidation messages this instance has received. */
  get received(): number {
    return this.invalidationsReceived;
  }

  get l1Ready(): boolean {
    return this.l1On();
  }

  private async fetch(
    key: string,
    minLsn: bigint | undefined,
    load: (positioned: boolean) => Promise<Loaded<unknown>>,
    start: ReadStart,
  ): Promise<Fetched> {
    // Not while this instance's own missed writes wait for replay: L2 may still hold what they replaced.
    const useL2 = this.options.l2Enabled() && this.l2.available && !this.l2Untrusted();
    let lease: string | null | undefined;
    try {
      if (useL2) {
        let cached = await this.l2Get(key, minLsn);
        if (!cached) {
          lease = await this.l2.acquireLease(key, this.options.leaseMs).catch(() => undefined);
          if (lease) {
            // Another instance may have loaded, filled and released between our miss and our lease.
            cached = await this.l2Get(key, minLsn, false);
          } else if (lease === null) {
            cached = await this.awaitFill(key, minLsn);
            this.telemetry.load(cached ? 'lease_wait_hit' : 'lease_wait_timeout');
          }
        }
        if (cached) {
          this.fillL1(key, cached, start);
          return { entry: cached, level: 'l2' };
        }
      }
      this.telemetry.load('loaded');
      const { entry, record } = CacheEntries.withRecord(await load(true));
      // Known to be old already: an invalidation named the key since the read began, or this
      // instance's own writes have not reached L2 (no floor there would refuse the fill).
      const known = this.invalidatedSince(key, start.seq, entry.rank) || this.l2Untrusted();
      if (this.fillable(start) && !known) {
        // Refused by L2: a newer record is there, so what was read is already old (a lagging replica).
        const refused = useL2 && !(await this.fillL2(key, entry, record));
        if (!refused) this.fillL1(key, entry, start);
      }
      return { entry, level: 'db' };
    } finally {
      if (lease) void this.l2.releaseLease(key, lease).catch(() => undefined);
    }
  }

  /**
   * An L2 record that can answer this reader, or undefined (miss, floor, too old, Redis down).
   * `counted`: a lookup for the lookups metric (re-checks while waiting on a lease are not).
   */
  private async l2Get(
    key: string,
    minLsn: bigint | undefined,
    counted = true,
  ): Promise<CacheEntry | undefined> {
    let raw: string | null;
    try {
      raw = await this.l2.get(key);
    } catch {
      if (counted) this.telemetry.lookup('l2', 'error');
      return undefined;
    }
    const entry = raw === null ? undefined : CacheEntries.decode(raw);
    const answers = entry !== undefined && CacheEntries.answers(entry, minLsn);
    if (counted) {
      const result = answers ? 'hit' : entry && entry.kind !== 'floor' ? 'too_old' : 'miss';
      this.telemetry.lookup('l2', result);
    }
    return answers ? entry : undefined;
  }

  /** Polls L2 while another instance's loader holds the lease, up to leaseWaitMs. */
  private async awaitFill(
    key: string,
    minLsn: bigint | undefined,
  ): Promise<CacheEntry | undefined> {
    const deadline = performance.now() + this.options.leaseWaitMs;
    const step = Math.max(2, Math.round(this.options.leaseWaitMs / 10));
    while (performance.now() + step <= deadline) {
      await new Promise((resolve) => setTimeout(resolve, step));
      const entry = await this.l2Get(key, minLsn, false);
      if (entry) return entry;
      if (!this.l2.available) return undefined;
    }
    return undefined;
  }

  /** False only when L2 refused the fill (an error is not a refusal). */
  private async fillL2(key: string, entry: CacheEntry, record: string): Promise<boolean> {
    const ttl =
      entry.kind === 'absent' ? this.options.negativeTtlMs : this.jittered(this.options.l2TtlMs);
    try {
      const stored = await this.l2.put(key, record, entry.rank, ttl, 'fill');
      this.telemetry.fill('l2', stored ? 'stored' : 'rejected');
      return stored;
    } catch {
      this.telemetry.fill('l2', 'error');
      return true;
    }
  }

  private fillL1(key: string, entry: CacheEntry, start: ReadStart): void {
    if (!this.l1On()) return;
    const current = this.l1.peek(key);
    if (
      !this.fillable(start) ||
      this.invalidatedSince(key, start.seq, entry.rank) ||
      // A later read may have filled a newer version already (its invalidation still on the way).
      (current !== undefined && current.rank > entry.rank)
    ) {
      this.telemetry.fill('l1', 'rejected');
      return;
    }
    const ttl =
      entry.kind === 'absent'
        ? Math.min(this.options.l1TtlMs, this.options.negativeTtlMs)
        : undefined;
    this.l1.set(key, entry, { ttl });
    this.telemetry.fill('l1', 'stored');
  }

  /** An invalidation arrived since the read began, or named a newer version than it read. */
  private invalidatedSince(key: string, seq: number, rank: number): boolean {
    const last = this.invalidatedAt.get(key);
    return last !== undefined && (last.seq > seq || last.rank > rank);
  }

  /** Nothing dropped everything since the read began, and it is young enough to fill. */
  private fillable(start: ReadStart): boolean {
    return start.seq >= this.floorSeq && performance.now() - start.atMs < this.fillDeadlineMs;
  }

  private async leaveRecord(key: string, record: CacheEntry): Promise<boolean> {
    try {
      await this.l2.put(
        key,
        CacheEntries.encode(record),
        record.rank,
        this.options.tombstoneTtlMs,
        'mark',
      );
      await this.l2.publish(`${record.rank}|${key}`);
      this.telemetry.invalidation('sent');
      return true;
    } catch {
      return false;
    }
  }

  private rememberMissed(key: string, record: CacheEntry): void {
    this.telemetry.invalidation('missed');
    const known = this.missedWrites.get(key);
    if (known && known.rank >= record.rank) return;
    if (this.missedWrites.size >= MAX_MISSED_WRITES && !known) this.lostTrack = true;
    else this.missedWrites.set(key, record);
  }

  /** Leaves the records writes could not leave while Redis was unreachable, then announces them. */
  private replayMissedWrites(): Promise<void> {
    this.invalidationOn(); // notices the naive mode ending, even without writes
    // Not gated on the breaker: writes do not wait for it (l2-store.ts), and neither do their replays.
    if (this.replaying || (!this.lostTrack && this.missedWrites.size === 0)) {
      return this.replaying ?? Promise.resolve();
    }
    this.replaying = (async () => {
      try {
        if (this.lostTrack) await this.flushAll();
        for (const [key, record] of [...this.missedWrites]) {
          if (!(await this.leaveRecord(key, record))) return;
          if (this.missedWrites.get(key) === record) this.missedWrites.delete(key);
          this.telemetry.invalidation('replayed');
        }
      } catch (err) {
        this.log.debug(`replay of missed cache writes interrupted: ${String(err)}`);
      } finally {
        this.replaying = undefined;
      }
    })();
    return this.replaying;
  }

  /**
   * Empties L2 and every instance's L1, when this instance cannot say which records it owes.
   * Writes missed meanwhile start a new list; `flushing` keeps this instance off L2 until done.
   */
  private async flushAll(): Promise<void> {
    const owed = this.missedWrites;
    this.missedWrites = new Map();
    this.lostTrack = false;
    this.flushing = true;
    try {
      await this.l2.publish(FLUSH_ALL);
      const removed = await this.l2.flushAll();
      await this.l2.publish(FLUSH_ALL);
      this.log.warn(`L2 flushed (${removed} entries): writes were missed beyond count`);
    } catch (err) {
      this.lostTrack = true;
      for (const [key, record] of owed)
        if (!this.missedWrites.has(key)) this.missedWrites.set(key, record);
      throw err;
    } finally {
      this.flushing = false;
    }
  }

  /** This instance owes L2 records (or a flush): what L2 holds may be older than its writes. */
  private l2Untrusted(): boolean {
    return this.missedWrites.size > 0 || this.lostTrack || this.flushing;
  }

  /**
   * Whether writes invalidate. Switching the naive mode off owes a flush: its writes left no
   * floors, so slow reads may have put replaced versions back into L2.
   */
  private invalidationOn(): boolean {
    const on = this.options.invalidationEnabled();
    if (on && !this.invalidationWasOn) this.lostTrack = true;
    this.invalidationWasOn = on;
    return on;
  }

  private evictLocal(key: string, rank: number): void {
    // Messages from two writers may arrive in either order: keep the highest version named.
    const known = this.invalidatedAt.peek(key)?.rank ?? 0;
    this.invalidatedAt.set(key, { seq: ++this.seq, rank: Math.max(rank, known) });
    this.l1.delete(key);
    this.flights.delete(key);
  }

  /** Forgets everything local: L1, shared loads, and fills of reads begun before now. */
  private dropLocal(reason: string): void {
    this.floorSeq = ++this.seq;
    this.l1.clear();
    this.flights.clear();
    this.invalidatedAt.clear();
    this.log.debug(`L1 dropped (${reason})`);
  }

  /** L1 answers only while on and subscribed; switching it on or off starts it empty. */
  private l1On(): boolean {
    const on = this.options.l1Enabled();
    if (on !== this.l1WasOn) {
      this.l1WasOn = on;
      this.dropLocal('toggled');
    }
    return on && this.l2.subscribed;
  }

  private answer<T>(fetched: Fetched): CacheAnswer<T> {
    this.telemetry.answered(fetched.level);
    const { entry } = fetched;
    return entry.kind === 'value'
      ? { value: entry.value as T, body: entry.body, level: fetched.level }
      : { value: null, level: fetched.level };
  }

  private jittered(ttlMs: number): number {
    const spread = this.options.l2TtlJitter;
    return ttlMs * (1 - spread + Math.random() * 2 * spread);
  }
}
