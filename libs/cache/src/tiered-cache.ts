/**
 * Multi-level cache-aside: L1 (this process, lru-cache bounded in bytes) → L2 (Redis) → loader
 * (the database), correct across instances and under concurrency. docs/patterns/cache-aside.md
 * draws each race. This facade composes three parts, each file opening with its own account:
 *
 * - invalidation-log.ts: a write evicts its own L1, leaves a record in L2 (a floor at its new
 *   version, or a deletion marker) and publishes the key; every instance evicts its L1 copy on the
 *   message, and fills check the log so no read puts back a version a write replaced. An instance
 *   whose subscription drops empties L1 and stops using it until subscribed again.
 * - cache-fill.ts: single-flight in one process, a short Redis lease across processes, and fills
 *   that are compare-and-set on the version (stampedes and stale sets).
 * - missed-writes.ts: reads reach Redis through a breaker (l2-store.ts); writes always try it, and
 *   those that could not reach it are replayed as soon as Redis is back. Until then this instance
 *   does not read L2; another instance may: the one window a writer cut off from Redis leaves
 *   (docs/patterns/cache-aside.md, "Known limits").
 *
 * Read-your-writes: entries carry the WAL position they were read at; a reader with a consistency
 * token only accepts entries at least as new as the token. Written here rather than taken from a
 * library: the cache libraries we looked at (cache-manager, keyv layers) delete on write and set
 * on read, which is exactly the stale-set race this fixes.
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
import { CacheAnswer, CacheFill } from './cache-fill';
import { CACHE_OPTIONS, L2_STORE } from './cache.module-definition';
import { CacheOptions } from './cache.options';
import { CacheTelemetry } from './cache-telemetry';
import { InvalidationLog } from './invalidation-log';
import { L2Store, RedisL2 } from './l2-store';
import { MissedWrites } from './missed-writes';

export type { CacheAnswer } from './cache-fill';
export type { CacheLevel } from './cache-telemetry';

/** One instance's cache, as readiness reports it and the gauges export it. */
export interface CacheState {
  /** `active` while L1 answers reads: on, and subscribed to invalidations. */
  l1: 'active' | 'off';
  /** The Redis (L2) breaker; `open` also while Redis is unavailable (L2 bypassed). */
  l2: 'closed' | 'open' | 'half-open';
  /** Writes that could not reach L2, waiting to be replayed (plus one for a flush owed). */
  pendingWrites: number;
}

/** The L2 breaker's state as CacheOptions.onBreakerState and CacheState name it. */
const BREAKER_STATE: Record<CircuitState, CacheState['l2']> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

/** What this process caches (L1, shared loads) is dropped here, in one place. */
@Injectable()
export class TieredCache implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('TieredCache');
  private readonly l2: L2Store;
  private readonly l1: LRUCache<string, CacheEntry>;
  private readonly invalidations: InvalidationLog;
  private readonly missed: MissedWrites;
  private readonly fill: CacheFill;
  private l1WasOn: boolean;
  private l2Breaker = CircuitState.Closed;
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
    const fillDeadlineMs = options.tombstoneTtlMs / 2;
    this.invalidations = new InvalidationLog(
      this.l2,
      this.telemetry,
      this.log,
      options,
      fillDeadlineMs,
    );
    this.missed = new MissedWrites(this.l2, this.invalidations, this.telemetry, this.log, options);
    this.fill = new CacheFill(
      options,
      this.l1,
      this.l2,
      this.invalidations,
      this.missed,
      this.telemetry,
      () => this.l1On(),
    );
    this.l1WasOn = options.l1Enabled();
  }

  async onModuleInit(): Promise<void> {
    this.telemetry.observe(this.l1, () => this.state());
    await this.l2.start({
      ...this.invalidations.listeners({
        evict: (key, rank) => this.evictLocal(key, rank),
        drop: (reason) => this.dropLocal(reason),
      }),
      onBreakerState: (state) => {
        this.l2Breaker = state;
        this.options.onBreakerState?.(BREAKER_STATE[state]);
        // A load in flight across an outage must not fill: writes during it left no record.
        if (state === CircuitState.Open) this.invalidations.raiseFloor();
        if (state === CircuitState.Closed) void this.missed.replay();
      },
      onReconnected: () => void this.missed.replay(),
    });
    this.missed.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.missed.stop();
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
    const start = this.invalidations.readStart();
    const l1On = this.l1On();
    if (!l1On && !this.options.l2Enabled()) {
      // Cache off: the plain read path, with no sharing of loads either (the baseline to compare).
      const loaded = await load(false);
      this.telemetry.answered('db');
      return { value: loaded.value, level: 'db' };
    }
    return this.fill.read(key, minLsn, load, start, l1On);
  }

  /**
   * After a write to `key` committed, before it is acknowledged: no instance serves an older
   * version from then on (see the file comment for the one window a partitioned writer leaves).
   * Never throws: the write is committed whatever the cache says.
   */
  async written(key: string, change: { version: number; deleted?: boolean }): Promise<void> {
    const record = CacheEntries.afterWrite(change);
    this.evictLocal(key, record.rank);
    if (!this.missed.invalidationOn()) {
      // The naive pattern, for experiments: delete from Redis, tell nobody, guard against nothing.
      await this.l2.delete(key).catch(() => undefined);
      return;
    }
    if (!(await this.invalidations.leaveRecord(key, record))) this.missed.remember(key, record);
    // Again: a read begun while the record was on its way may have found the old value in L2,
    // and a request arriving after this write's answer must not join it.
    this.evictLocal(key, record.rank);
  }

  /** Test and experiment hook: how many writes are waiting to be replayed into L2. */
  get pendingWrites(): number {
    return this.missed.size;
  }

  /** Test hook: invalidation messages this instance has received. */
  get received(): number {
    return this.invalidations.received;
  }

  get l1Ready(): boolean {
    return this.l1On();
  }

  state(): CacheState {
    return {
      l1: this.l1On() ? 'active' : 'off',
      l2: BREAKER_STATE[this.l2.available ? this.l2Breaker : CircuitState.Open],
      pendingWrites: this.missed.owed,
    };
  }

  private evictLocal(key: string, rank: number): void {
    this.invalidations.invalidated(key, rank);
    this.l1.delete(key);
    this.fill.forget(key);
  }

  /** Forgets everything local: L1, shared loads, and fills of reads begun before now. */
  private dropLocal(reason: string): void {
    this.invalidations.reset();
    this.l1.clear();
    this.fill.forgetAll();
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
}
