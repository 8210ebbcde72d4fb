/**
 * A limit before authentication.
 *
 * Problem: the per-tenant limits need a tenant, so requests without a working key (none, a
 * malformed, unknown or revoked one) escaped every limit; a client guessing keys could make each
 * instance look up as many as it could send.
 *
 * Mechanism: each failed authentication spends one token of its client address's bucket
 * (`auth-failures`: RATE_LIMIT_AUTH_FAILURES per RATE_LIMIT_AUTH_FAILURES_WINDOW_MS, the rate
 * limiter's shared GCRA buckets). The address is `request.ip`, which believes X-Forwarded-For
 * only from TRUST_PROXY. Once the bucket refuses, the answer is 429 + Retry-After, and this
 * instance remembers the address as blocked until then, so the flood that follows costs neither a
 * key lookup nor a Redis call. Successful requests spend nothing, and a key this instance already
 * knows as working is served even from a blocked address (one client behind a shared NAT cannot
 * lock out the others' known keys).
 *
 * Failure mode: with Redis down, RATE_LIMIT_ON_REDIS_DOWN applies as for the tenant limits
 * (`local`: each instance allows its share). The RATE_LIMIT toggle switches this limit too.
 */
import { RateLimiter } from '@docscale/resilience';
import { Toggles } from '@docscale/toggles';
import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { TooManyFailedAuthenticationsError } from '../problems/problem.errors';

/** Addresses remembered as blocked per instance; past this, the oldest are asked of Redis again. */
const BLOCKED_ADDRESSES = 10_000;

@Injectable()
export class FailedAuthLimit {
  /** Address → when (Date.now()) it may try again, and the limit that blocked it. */
  private readonly blocked = new LRUCache<string, { untilMs: number; limit: number }>({
    max: BLOCKED_ADDRESSES,
  });

  constructor(
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(Toggles) private readonly toggles: Toggles,
  ) {}

  /** Throws while `address` is blocked on this instance: before any key lookup. */
  refuseIfBlocked(address: string): void {
    if (!this.on()) return;
    const block = this.blocked.get(address);
    if (!block) return;
    const waitMs = block.untilMs - Date.now();
    if (waitMs <= 0) this.blocked.delete(address);
    else throw new TooManyFailedAuthenticationsError(block.limit, Math.ceil(waitMs / 1000));
  }

  /** Spends one failed authentication of `address`; throws once its budget is spent. */
  async failed(address: string): Promise<void> {
    if (!this.on()) return;
    const decision = await this.limiter.take(`address:${address}`, 'auth-failures');
    if (decision.allowed) return;
    const retryAfterSeconds = Math.max(1, decision.retryAfterSeconds);
    this.blocked.set(address, {
      untilMs: Date.now() + retryAfterSeconds * 1000,
      limit: decision.limit,
    });
    throw new TooManyFailedAuthenticationsError(decision.limit, retryAfterSeconds);
  }

  private on(): boolean {
    return this.toggles.isOn('RATE_LIMIT');
  }
}
