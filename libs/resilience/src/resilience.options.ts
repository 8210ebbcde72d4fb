// pattern:breakers,rate-limit:begin
/** Options of the resilience module: the breakers' defaults and the rate limiter. */
// pattern:breakers,rate-limit:end

// pattern:rate-limit:begin
/**
 * The budgets a subject has: a tenant's per route class, and a client address's for failed
 * authentications (spent before any tenant is known, so limited per address).
 */
export type RouteClass = 'reads' | 'writes' | 'exports' | 'auth-failures';

/** What the rate limiter does while Redis cannot be asked. */
export type RedisDownPolicy = 'local' | 'open' | 'closed';

export interface RateLimitOptions {
  /**
   * Whether requests are limited right now (the RATE_LIMIT toggle); asked on every request.
   * @defaultValue () => true
   */
  enabled?: () => boolean;
  /** Redis holding the buckets, shared by every instance: that is what makes the limit global. */
  redisUrl: string;
  /**
   * Prefix of the bucket keys.
   * @defaultValue 'docscale:ratelimit'
   */
  keyPrefix?: string;
  /**
   * Per-command timeout for the bucket update, in ms: the budget a request pays a slow Redis.
   * @defaultValue 200
   */
  redisTimeoutMs?: number;
  /** The bucket's refill period in ms: `limits[class]` tokens per window, bursts up to that many. */
  windowMs: number;
  /** Requests per window, per tenant, for each route class. */
  limits: Record<RouteClass, number>;
  /**
   * A class's own refill period in ms, where it differs from `windowMs` (a few failed
   * authentications per minute rather than per second).
   * @defaultValue `windowMs` for every class
   */
  windowsMs?: Partial<Record<RouteClass, number>>;
  /**
   * While Redis is unavailable: `local` limits per instance to limit / `instances` (fail open,
   * roughly bounded), `open` admits everything, `closed` refuses with 503.
   * @defaultValue 'local'
   */
  onRedisDown?: RedisDownPolicy;
  /**
   * Leases: each instance takes up to `limit × leaseShare` tokens of a bucket from Redis at once
   * and spends them without a round trip; 0 (or a lease of one token) asks Redis for every request.
   * docs/patterns/rate-limiting.md states the precision this costs.
   * @defaultValue 0
   */
  leaseShare?: number;
  /**
   * How long an instance keeps a lease before giving back what it did not spend, in ms.
   * @defaultValue 100
   */
  leaseMs?: number;
  /**
   * How many instances share a tenant's budget, for the `local` fallback's share.
   * @defaultValue 1
   */
  instances?: number;
  /**
   * Whose budget a request spends (the tenant); undefined means the request is not limited.
   * Called after authentication, so it may read what the auth guard put on the request.
   */
  subject: (request: unknown) => string | undefined;
}
// pattern:rate-limit:end

// pattern:breakers,rate-limit:begin
export interface ResilienceOptions {
  // pattern:breakers:begin
  /**
   * Consecutive failures that open a breaker created by this module (the primary's, the rate
   * limiter's Redis).
   * @defaultValue 5
   */
  breakerThreshold?: number;
  /**
   * How long such a breaker stays open before it lets one probe through, in ms.
   * @defaultValue 2000
   */
  breakerHalfOpenMs?: number;
  // pattern:breakers:end
  rateLimit: RateLimitOptions; // pattern:rate-limit
}
// pattern:breakers,rate-limit:end
