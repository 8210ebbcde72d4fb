import { CacheEntries, CacheEntry } from './cache-entry';
import { CacheOptions } from './cache.options';
import { CacheTelemetry } from './cache-telemetry';
import { L2Store } from './l2-store';

/** Reads and fills of L2 on behalf of cache-fill.ts: what counts as an answer, a wait, a refusal. */
export class L2Fill {
  constructor(
    private readonly options: CacheOptions,
    private readonly l2: L2Store,
    private readonly telemetry: CacheTelemetry,
  ) {}

  /**
   * An L2 record that can answer this reader, or undefined (miss, floor, too old, Redis down).
   * `counted`: a lookup for the lookups metric (re-checks while waiting on a lease are not).
   */
  async get(
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
  async awaitFill(key: string, minLsn: bigint | undefined): Promise<CacheEntry | undefined> {
    const deadline = performance.now() + this.options.leaseWaitMs;
    const step = Math.max(2, Math.round(this.options.leaseWaitMs / 10));
    while (performance.now() + step <= deadline) {
      await new Promise((resolve) => setTimeout(resolve, step));
      const entry = await this.get(key, minLsn, false);
      if (entry) return entry;
      if (!this.l2.available) return undefined;
    }
    return undefined;
  }

  /** False only when L2 refused the fill (an error is not a refusal). */
  async fill(key: string, entry: CacheEntry, record: string): Promise<boolean> {
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

  private jittered(ttlMs: number): number {
    const spread = this.options.l2TtlJitter;
    return ttlMs * (1 - spread + Math.random() * 2 * spread);
  }
}
