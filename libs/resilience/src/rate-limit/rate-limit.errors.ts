import type { RouteClass } from '../resilience.options';

/** A tenant spent its budget for a route class: 429 + Retry-After. */
export class RateLimitedError extends Error {
  constructor(
    readonly routeClass: RouteClass,
    /** Requests per window for this class (this instance's share while Redis is down). */
    readonly limit: number,
    /** Seconds until one request's worth of budget is back. */
    readonly retryAfterSeconds: number,
  ) {
    super(
      `Rate limit of ${limit} ${routeClass} requests per window reached; retry after ${retryAfterSeconds} s`,
    );
    this.name = 'RateLimitedError';
  }
}

/**
 * The limiter cannot ask Redis and RATE_LIMIT_ON_REDIS_DOWN=closed says to refuse rather than
 * guess: 503 + Retry-After.
 */
export class RateLimitUnavailableError extends Error {
  constructor(
    /** Seconds until the limiter tries Redis again. */
    readonly retryAfterSeconds: number,
  ) {
    super(
      `Rate limiting is unavailable (Redis unreachable) and requests are refused meanwhile; retry after ${retryAfterSeconds} s`,
    );
    this.name = 'RateLimitUnavailableError';
  }
}
