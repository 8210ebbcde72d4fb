/**
 * Fetch and fill: how a miss in L1 reaches L2 and the loader, and what it may store on the way back.
 *
 * Problem: a popular key expiring sends every concurrent reader to the database at once (a
 * stampede), and a reader that loaded an old version (a lagging replica, a slow query) can put
 * it back over a newer one (a stale set). Mechanism: concurrent misses in one process share one
 * load (single-flight); across processes a short Redis lease lets one loader fill while the
 * others poll L2 for a moment. An L2 fill is a compare-and-set on the version; an L1 fill is
 * dropped when L2 refused it or when the invalidation log says the key changed since the read
 * began. Failure mode: a dead lease holder costs the waiters leaseWaitMs, then they load
 * themselves; a refused or late fill costs a later read a miss, never a stale answer.
 */
import { LRUCache } from 'lru-cache';
import { CacheEntries, CacheEntry, Loaded } from './cache-entry';
import { CacheOptions } from './cache.options';
import { CacheLevel, CacheTelemetry } from './cache-telemetry';
import { InvalidationLog, ReadStart } from './invalidation-log';
import { L2Fill } from './l2-fill';
import { L2Store } from './l2-store';
import { MissedWrites } from './missed-writes';

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

export class CacheFill {
  private readonly flights = new Map<string, Promise<Fetched>>();
  private readonly l2Fill: L2Fill;

  constructor(
    private readonly options: CacheOptions,
    private readonly l1: LRUCache<string, CacheEntry>,
    private readonly l2: L2Store,
    private readonly invalidations: InvalidationLog,
    private readonly missed: MissedWrites,
    private readonly telemetry: CacheTelemetry,
    /** Whether L1 may be filled now (on and subscribed). */
    private readonly l1On: () => boolean,
  ) {
    this.l2Fill = new L2Fill(options, l2, telemetry);
  }

  /** Drops the key's shared load: a request arriving after an invalidation must not join it. */
  forget(key: string): void {
    this.flights.delete(key);
  }

  forgetAll(): void {
    this.flights.clear();
  }

  /**
   * Answers from L1 when it may (`l1On`), else joins the load in flight for `key` if that answers
   * `minLsn`, or starts one (single-flight).
   */
  async read<T>(
    key: string,
    minLsn: bigint | undefined,
    load: (positioned: boolean) => Promise<Loaded<T>>,
    start: ReadStart,
    l1On: boolean,
  ): Promise<CacheAnswer<T>> {
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

  private async fetch(
    key: string,
    minLsn: bigint | undefined,
    load: (positioned: boolean) => Promise<Loaded<unknown>>,
    start: ReadStart,
  ): Promise<Fetched> {
    // Not while this instance's own missed writes wait for replay: L2 may still hold what they replaced.
    const useL2 = this.options.l2Enabled() && this.l2.available && !this.missed.untrusted();
    let lease: string | null | undefined;
    try {
      if (useL2) {
        let cached = await this.l2Fill.get(key, minLsn);
        if (!cached) {
          lease = await this.l2.acquireLease(key, this.options.leaseMs).catch(() => undefined);
          if (lease) {
            // Another instance may have loaded, filled and released between our miss and our lease.
            cached = await this.l2Fill.get(key, minLsn, false);
          } else if (lease === null) {
            cached = await this.l2Fill.awaitFill(key, minLsn);
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
      const known =
        this.invalidations.invalidatedSince(key, start.seq, entry.rank) || this.missed.untrusted();
      if (this.invalidations.fillable(start) && !known) {
        // Refused by L2: a newer record is there, so what was read is already old (a lagging replica).
        const refused = useL2 && !(await this.l2Fill.fill(key, entry, record));
        if (!refused) this.fillL1(key, entry, start);
      }
      return { entry, level: 'db' };
    } finally {
      if (lease) void this.l2.releaseLease(key, lease).catch(() => undefined);
    }
  }

  private fillL1(key: string, entry: CacheEntry, start: ReadStart): void {
    if (!this.l1On()) return;
    const current = this.l1.peek(key);
    if (
      !this.invalidations.fillable(start) ||
      this.invalidations.invalidatedSince(key, start.seq, entry.rank) ||
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

  private answer<T>(fetched: Fetched): CacheAnswer<T> {
    this.telemetry.answered(fetched.level);
    const { entry } = fetched;
    return entry.kind === 'value'
      ? { value: entry.value as T, body: entry.body, level: fetched.level }
      : { value: null, level: fetched.level };
  }
}
