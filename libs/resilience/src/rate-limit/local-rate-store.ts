/**
 * The fallback while Redis cannot be asked (RATE_LIMIT_ON_REDIS_DOWN=local): the same GCRA, with
 * the buckets in this process. Each instance then admits its share, limit / instances (at least
 * 1), so the fleet still admits roughly the limit, and a tenant is not left unlimited during a
 * Redis outage. Only roughly: a tenant gets up to a share on every instance it reaches, however
 * unevenly the load balancer spreads it, and every bucket starts full when the outage begins.
 *
 * Memory is bounded: at most `maxKeys` buckets (least recently used dropped first, so under
 * pressure the bound errs towards admitting), each dropped once it is full again, as in Redis.
 */
import { LRUCache } from 'lru-cache';
import type { RouteClass } from '../resilience.options';
import { gcra, type BucketDecision } from './gcra';

export interface LocalRateStoreOptions {
  /** How many instances share a tenant's budget: this one keeps limit / instances of it. */
  instances: number;
  windowMs: number;
  /** @defaultValue 100_000 */
  maxKeys?: number;
  /** Monotonic clock in µs; a test injects its own to cross a refill without waiting. */
  nowUs?: () => number;
}

const monotonicUs = () => Math.round(performance.now() * 1000);

export class LocalRateStore {
  private readonly tats: LRUCache<string, number>;
  private readonly nowUs: () => number;

  constructor(private readonly options: LocalRateStoreOptions) {
    const nowUs = options.nowUs ?? monotonicUs;
    this.nowUs = nowUs;
    this.tats = new LRUCache<string, number>({
      max: options.maxKeys ?? 100_000,
      perf: { now: () => nowUs() / 1000 }, // expiry on the same clock as the buckets
    });
  }

  /** This instance's share of `limit`. */
  shareOf(limit: number): number {
    return Math.max(1, Math.floor(limit / this.options.instances));
  }

  take(
    subject: string,
    routeClass: RouteClass,
    limit: number,
    windowMs = this.options.windowMs,
  ): BucketDecision {
    const key = `${subject}:${routeClass}`;
    const { newTatUs, ...decision } = gcra(
      this.tats.get(key),
      this.nowUs(),
      this.shareOf(limit),
      windowMs,
    );
    if (decision.allowed) this.tats.set(key, newTatUs, { ttl: decision.resetMs });
    return decision;
  }
}
