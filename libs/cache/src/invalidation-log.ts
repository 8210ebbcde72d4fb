/**
 * The invalidation log: what this process knows about writes, so that no read fills a cache level
 * with a version a write has already replaced.
 *
 * Problem: a read that began before a write may finish after it and put the old version back (the
 * stale set), in this process's L1 or, through a slow reader anywhere, in L2. Mechanism: a write
 * leaves a record in L2 (a floor at its new version, or a deletion marker) that refuses older
 * fills, and publishes the key; every instance notes the invalidation here with a per-process
 * sequence number and the highest version named, and a fill checks the log against where its read
 * began. Failure mode: what the log forgets, it forgets safely: a key pushed out by size raises
 * the floor (every read begun before is refused), and a read older than half the records' lifetime
 * never fills at all.
 */
import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { CacheEntries, CacheEntry } from './cache-entry';
import { CacheTelemetry } from './cache-telemetry';
import { L2Listeners, L2Store } from './l2-store';

/** Where a read began: fills check nothing was invalidated since. */
export interface ReadStart {
  seq: number;
  atMs: number;
}

interface Invalidation {
  seq: number;
  rank: number;
}

/** The message that tells every instance to forget its L1 (L2 is being flushed). */
export const FLUSH_ALL = '*';
/** Keys whose last invalidation is remembered for the L1 fill check; older ones raise a floor. */
const MAX_REMEMBERED_INVALIDATIONS = 100_000;

export class InvalidationLog {
  /** Sequence of invalidations seen by this process, the last one per key, and a floor for all. */
  private seq = 0;
  private floorSeq = 0;
  /** Per key: the sequence number of its last invalidation, and the rank that write left. */
  private readonly invalidatedAt: LRUCache<string, Invalidation>;
  private invalidationsReceived = 0;

  constructor(
    private readonly l2: L2Store,
    private readonly telemetry: CacheTelemetry,
    private readonly log: Logger,
    private readonly options: { tombstoneTtlMs: number },
    /** Half the write records' lifetime: past it, a record may be gone and a fill unchecked. */
    private readonly fillDeadlineMs: number,
  ) {
    this.invalidatedAt = new LRUCache<string, Invalidation>({
      max: MAX_REMEMBERED_INVALIDATIONS,
      // A fill older than the deadline is dropped anyway, so older invalidations can be forgotten;
      // one pushed out early by size raises the floor instead, which only costs fills.
      ttl: this.fillDeadlineMs,
      dispose: ({ seq }, _key, reason) => {
        if (reason === 'evict') this.floorSeq = Math.max(this.floorSeq, seq);
      },
    });
  }

  /** Invalidation messages this instance has received. */
  get received(): number {
    return this.invalidationsReceived;
  }

  readStart(): ReadStart {
    return { seq: this.seq, atMs: performance.now() };
  }

  /**
   * The bus's side of the L2 listeners. `local` forgets what this process caches: one key (with
   * the version its invalidation named), or everything.
   */
  listeners(local: {
    evict: (key: string, rank: number) => void;
    drop: (reason: string) => void;
  }): Pick<L2Listeners, 'onInvalidation' | 'onSubscribed' | 'onSubscriptionLost'> {
    return {
      onInvalidation: (message) => {
        this.invalidationsReceived++;
        this.telemetry.invalidation('received');
        if (message === FLUSH_ALL) return local.drop('flush');
        const bar = message.indexOf('|');
        local.evict(message.slice(bar + 1), Number(message.slice(0, bar)) || 0);
      },
      onSubscribed: () => {
        this.log.log('cache invalidations subscribed: L1 in use');
        // A read begun while unsubscribed may hold a version whose invalidation went unheard: it
        // must neither fill L1 nor be shared with the reads that follow.
        local.drop('subscribed');
      },
      onSubscriptionLost: () => {
        this.log.warn('cache invalidations unsubscribed: L1 dropped until resubscribed');
        local.drop('subscription-lost');
      },
    };
  }

  /** Notes an invalidation of `key` that named version `rank`. */
  invalidated(key: string, rank: number): void {
    // Messages from two writers may arrive in either order: keep the highest version named.
    const known = this.invalidatedAt.peek(key)?.rank ?? 0;
    this.invalidatedAt.set(key, { seq: ++this.seq, rank: Math.max(rank, known) });
  }

  /** Refuses the fills of every read begun before now (a load in flight across an outage, say). */
  raiseFloor(): void {
    this.floorSeq = ++this.seq;
  }

  /** Forgets every key's invalidation behind a raised floor (reads begun before cannot fill). */
  reset(): void {
    this.raiseFloor();
    this.invalidatedAt.clear();
  }

  /** An invalidation arrived since the read began, or named a newer version than it read. */
  invalidatedSince(key: string, seq: number, rank: number): boolean {
    const last = this.invalidatedAt.get(key);
    return last !== undefined && (last.seq > seq || last.rank > rank);
  }

  /** Nothing dropped everything since the read began, and it is young enough to fill. */
  fillable(start: ReadStart): boolean {
    return start.seq >= this.floorSeq && performance.now() - start.atMs < this.fillDeadlineMs;
  }

  /** Leaves a write's record in L2 and announces it; false when Redis could not be reached. */
  async leaveRecord(key: string, record: CacheEntry): Promise<boolean> {
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

  /** Tells every instance, this one included, to forget its L1. */
  async publishFlush(): Promise<void> {
    await this.l2.publish(FLUSH_ALL);
  }
}
