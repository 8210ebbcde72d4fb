/** Options of the cache module (from configuration: CACHE_* in docs/configuration.md). */
export interface CacheOptions {
  redisUrl: string;
  /** Prefix of every key and of the invalidation channel. @defaultValue 'docscale:cache' */
  keyPrefix?: string;
  /** Bound on each Redis command; a slower Redis counts as failing. */
  redisTimeoutMs: number;
  /** Consecutive Redis failures that open the breaker (L2 is then bypassed). */
  breakerThreshold: number;
  /** How long the breaker stays open before a probe. */
  breakerHalfOpenMs: number;
  /** L1 bound, in bytes of encoded entries. */
  l1MaxBytes: number;
  l1TtlMs: number;
  l2TtlMs: number;
  /** L2 TTLs are spread by ± this fraction, so entries filled together do not expire together. */
  l2TtlJitter: number;
  /** How long a "not found" stays cached. */
  negativeTtlMs: number;
  /** How long the record a write leaves (floor or deletion) lives; fills older than half are dropped. */
  tombstoneTtlMs: number;
  /** The cross-instance load lease. */
  leaseMs: number;
  /** How long a reader that lost the lease waits for the holder's fill before loading itself. */
  leaseWaitMs: number;
  /** Runtime switches (toggles). Writes always invalidate while `invalidationEnabled`. */
  l1Enabled: () => boolean;
  l2Enabled: () => boolean;
  /** Off only to show the naive pattern: writes then evict their own L1 and delete the L2 key. */
  invalidationEnabled: () => boolean;
  /** Told when the Redis breaker changes state (the app shows every breaker in one place). */
  onBreakerState?: (state: 'closed' | 'open' | 'half-open') => void;
}
