/**
 * GCRA (generic cell rate algorithm): a token bucket stored as one number, the bucket's
 * "theoretical arrival time" (TAT), the instant at which it would be full again.
 *
 * Problem: a tenant's budget must hold across every instance, at one Redis round trip per request.
 * Why hand-written: rate-limiter-flexible (checked: v11.4.0) only offers fixed-window counters for
 * Redis, which admit up to 2× the limit across a window boundary, and the issue asks for a token
 * bucket. GCRA keeps one key holding one number per bucket, decides in one EVALSHA, and the Redis
 * version takes "now" from Redis's clock (TIME), so clock skew between instances does not matter.
 *
 * Mechanism: each request moves the TAT one emission interval T = window / limit later (starting
 * from now if the TAT is past: an idle bucket is full, never fuller). A request is admitted while
 * the TAT it would set lies at most `limit` intervals ahead of now, so a full bucket admits a burst
 * of exactly `limit`, then one request per T.
 *
 * Exactness: times are integer microseconds (Redis TIME's unit; below 2^53 until the year 2255)
 * and T is rounded to a whole microsecond, so every step is exact integer arithmetic in a double,
 * in TypeScript and in Redis's Lua alike: both give the same answer, and a burst of `limit` never
 * loses a token to rounding. The rounding shifts the rate by at most 0.5 µs per token.
 *
 * Leases (rate-limiter.ts): `leaseTokens` takes up to `want` tokens in one step, exactly as that
 * many single takes would (the TAT moves `granted` intervals), after giving back `back` tokens a
 * lease did not use (the TAT moves back that many intervals, never before now: a bucket is never
 * fuller than full). `gcra` is its one-token case.
 *
 * redis-rate-store.ts runs the same steps in Lua; a change here must be made there too (the
 * store's spec checks that they agree).
 */

/** A bucket's emission interval and burst tolerance, in µs. */
export interface Emission {
  /** Time one token takes to come back: window / limit, rounded to a whole µs (at least 1). */
  readonly intervalUs: number;
  /** How far ahead of now the TAT may be: `limit` intervals (a full bucket's worth). */
  readonly burstUs: number;
}

/** What a store answers for one request. */
export interface BucketDecision {
  allowed: boolean;
  /** Tokens left after this request (0 when refused). */
  remaining: number;
  /** 0 when allowed; else ms until one token is available (rounded up). */
  retryAfterMs: number;
  /** ms until the bucket is full again (rounded up). */
  resetMs: number;
}

export interface GcraDecision extends BucketDecision {
  /** The TAT to store, in µs; equal to the old one when refused (nothing to store). */
  newTatUs: number;
}

export function emission(limit: number, windowMs: number): Emission {
  const intervalUs = Math.max(1, Math.round((windowMs * 1000) / limit));
  return { intervalUs, burstUs: intervalUs * limit };
}

/** What a lease step answers: how many tokens it granted, and the bucket after it. */
export interface LeaseDecision {
  /** Tokens granted, 0..want (0: refused, or a give-back only). */
  granted: number;
  /** Tokens left in the bucket after this step. */
  remaining: number;
  /** 0 when granted; else ms until one token is available (rounded up). */
  retryAfterMs: number;
  /** ms until the bucket is full again (rounded up). */
  resetMs: number;
  /** The TAT to store, in µs. */
  newTatUs: number;
}

/**
 * One lease step: give back `back` unused tokens, then take up to `want` (at least the one a
 * request needs, unless `want` is 0). `tatUs` undefined is a full bucket.
 */
export function leaseTokens(
  tatUs: number | undefined,
  nowUs: number,
  limit: number,
  windowMs: number,
  want: number,
  back = 0,
): LeaseDecision {
  const { intervalUs, burstUs } = emission(limit, windowMs);
  let tat = Math.max(tatUs ?? nowUs, nowUs);
  if (back > 0) tat = Math.max(tat - back * intervalUs, nowUs);
  const granted = Math.min(want, Math.floor((burstUs - (tat - nowUs)) / intervalUs));
  if (granted <= 0) {
    return {
      granted: 0,
      remaining: Math.max(0, Math.floor((burstUs - (tat - nowUs)) / intervalUs)),
      retryAfterMs: Math.max(0, Math.ceil((tat + intervalUs - burstUs - nowUs) / 1000)),
      resetMs: Math.ceil((tat - nowUs) / 1000),
      newTatUs: tat,
    };
  }
  const newTat = tat + granted * intervalUs;
  return {
    granted,
    remaining: Math.floor((burstUs - (newTat - nowUs)) / intervalUs),
    retryAfterMs: 0,
    resetMs: Math.ceil((newTat - nowUs) / 1000),
    newTatUs: newTat,
  };
}

/**
 * One decision. `tatUs` is the stored TAT (undefined: no key, a full bucket), `nowUs` the clock,
 * both in µs; `limit` tokens per `windowMs`.
 */
export function gcra(
  tatUs: number | undefined,
  nowUs: number,
  limit: number,
  windowMs: number,
): GcraDecision {
  const { granted, newTatUs, ...bucket } = leaseTokens(tatUs, nowUs, limit, windowMs, 1);
  return { allowed: granted === 1, ...bucket, newTatUs };
}
