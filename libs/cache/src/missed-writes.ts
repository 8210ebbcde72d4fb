/**
 * Missed-write replay: the records writes could not leave in L2 while Redis was unreachable.
 *
 * Problem: a write cut off from Redis is committed all the same, but leaves no floor or deletion
 * marker in L2, so L2 keeps (and other instances serve) what it replaced. Mechanism: such writes
 * are remembered here, newest version per key, and replayed (record, then announcement) as soon
 * as Redis answers again, on reconnection, on the breaker closing, on a timer and at shutdown;
 * until the replay is done the instance trusts neither its L2 reads nor its fills. Failure mode:
 * past MAX_MISSED_WRITES, or after the naive mode (whose writes leave no records), this instance
 * cannot say which records it owes, and flushes the whole L2 and every L1 instead. Another
 * instance may serve a replaced version until the replay: docs/patterns/cache-aside.md, "Known
 * limits".
 */
import { Logger } from '@nestjs/common';
import { CacheEntry } from './cache-entry';
import { CacheTelemetry } from './cache-telemetry';
import { InvalidationLog } from './invalidation-log';
import { L2Store } from './l2-store';

/** Remembered writes are bounded; past this many, the whole L2 is flushed on recovery. */
const MAX_MISSED_WRITES = 10_000;
const REPLAY_INTERVAL_MS = 1000;
const SHUTDOWN_REPLAY_MS = 1000;

export class MissedWrites {
  private missedWrites = new Map<string, CacheEntry>();
  /** Writes were missed beyond count (or made in the naive mode): L2 must be flushed. */
  private lostTrack = false;
  private flushing = false;
  private invalidationWasOn: boolean;
  private replayTimer?: NodeJS.Timeout;
  private replaying?: Promise<void>;
  private readonly replayIntervalMs: number;

  constructor(
    private readonly l2: L2Store,
    private readonly invalidations: InvalidationLog,
    private readonly telemetry: CacheTelemetry,
    private readonly log: Logger,
    private readonly options: { invalidationEnabled: () => boolean; breakerHalfOpenMs: number },
  ) {
    this.replayIntervalMs = Math.min(REPLAY_INTERVAL_MS, options.breakerHalfOpenMs);
    this.invalidationWasOn = options.invalidationEnabled();
  }

  /** Writes waiting to be replayed into L2. */
  get size(): number {
    return this.missedWrites.size;
  }

  /** What the pending-writes gauge shows: the writes, plus one for a flush owed. */
  get owed(): number {
    return this.missedWrites.size + (this.lostTrack ? 1 : 0);
  }

  /** Replays on a timer too: neither reconnection nor the breaker closing may ever be observed. */
  start(): void {
    this.replayTimer = setInterval(() => void this.replay(), this.replayIntervalMs);
    this.replayTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.replayTimer);
    // A last chance for writes Redis missed: lost with this process, L2 would keep what they replaced.
    await Promise.race([
      this.replay(),
      new Promise((resolve) => setTimeout(resolve, SHUTDOWN_REPLAY_MS).unref()),
    ]);
    if (this.missedWrites.size > 0 || this.lostTrack) {
      this.log.warn(
        `shutting down with ${this.missedWrites.size} writes not replayed into L2: ` +
          `other instances may serve what they replaced until CACHE_L2_TTL_MS`,
      );
    }
  }

  remember(key: string, record: CacheEntry): void {
    this.telemetry.invalidation('missed');
    const known = this.missedWrites.get(key);
    if (known && known.rank >= record.rank) return;
    if (this.missedWrites.size >= MAX_MISSED_WRITES && !known) this.lostTrack = true;
    else this.missedWrites.set(key, record);
  }

  /** Leaves the records writes could not leave while Redis was unreachable, then announces them. */
  replay(): Promise<void> {
    this.invalidationOn(); // notices the naive mode ending, even without writes
    // Not gated on the breaker: writes do not wait for it (l2-store.ts), and neither do their replays.
    if (this.replaying || (!this.lostTrack && this.missedWrites.size === 0)) {
      return this.replaying ?? Promise.resolve();
    }
    this.replaying = (async () => {
      try {
        if (this.lostTrack) await this.flushAll();
        for (const [key, record] of [...this.missedWrites]) {
          if (!(await this.invalidations.leaveRecord(key, record))) return;
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

  /** This instance owes L2 records (or a flush): what L2 holds may be older than its writes. */
  untrusted(): boolean {
    return this.missedWrites.size > 0 || this.lostTrack || this.flushing;
  }

  /**
   * Whether writes invalidate. Switching the naive mode off owes a flush: its writes left no
   * floors, so slow reads may have put replaced versions back into L2.
   */
  invalidationOn(): boolean {
    const on = this.options.invalidationEnabled();
    if (on && !this.invalidationWasOn) this.lostTrack = true;
    this.invalidationWasOn = on;
    return on;
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
      await this.invalidations.publishFlush();
      const removed = await this.l2.flushAll();
      await this.invalidations.publishFlush();
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
}
