/**
 * The resilience lib's configuration keys (docs: libs/resilience/README.md) and the mappings from
 * them to its options: one per pattern it holds (the breakers' defaults and a breaker's settings,
 * rate limiting, load shedding), so the keys are read in this file only.
 */
import { configFragment, type FragmentEnv } from '@docscale/pattern-kit';
import { onOff } from '@docscale/pattern-kit'; // pattern:rate-limit,shedding
import { positiveInt } from '@docscale/pattern-kit'; // pattern:breakers,rate-limit,shedding
import { z } from 'zod'; // pattern:rate-limit
import type { BreakerSettings } from './breakers'; // pattern:breakers
import type { LoadSheddingOptions } from './load-shedding'; // pattern:shedding
import type { ResilienceOptions } from './resilience.options'; // pattern:breakers
import type { RateLimitOptions } from './resilience.options'; // pattern:rate-limit

export const resilienceConfig = configFragment({
  shape: {
    // pattern:rate-limit:begin
    // Toggle (its start value; flipped at run time), as LOAD_SHEDDING below.
    RATE_LIMIT: onOff.default(true),
    // Per tenant and route class: a token bucket of RATE_LIMIT_<CLASS> tokens refilled over
    // RATE_LIMIT_WINDOW_MS (docs/patterns/rate-limiting.md).
    RATE_LIMIT_WINDOW_MS: positiveInt.default(1000),
    RATE_LIMIT_READS: positiveInt.default(1000),
    RATE_LIMIT_WRITES: positiveInt.default(200),
    RATE_LIMIT_EXPORTS: positiveInt.default(10),
    // Per client address: failed authentications (no, a malformed, unknown or revoked key) per
    // RATE_LIMIT_AUTH_FAILURES_WINDOW_MS, before any tenant is known (src/tenants/failed-auth-limit.ts).
    RATE_LIMIT_AUTH_FAILURES: positiveInt.default(30),
    RATE_LIMIT_AUTH_FAILURES_WINDOW_MS: positiveInt.default(60_000),
    RATE_LIMIT_ON_REDIS_DOWN: z.enum(['local', 'open', 'closed']).default('local'),
    RATE_LIMIT_INSTANCES: positiveInt.default(2),
    // Leases (docs/patterns/rate-limiting.md, "Precision"): an instance takes up to limit × this
    // many tokens of a bucket per Redis call; 0 asks Redis for every request.
    RATE_LIMIT_LEASE_SHARE: z.coerce.number().min(0).max(0.5).default(0.01),
    RATE_LIMIT_LEASE_MS: positiveInt.default(100),
    RATE_LIMIT_REDIS_TIMEOUT_MS: positiveInt.default(200),
    RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('docscale:ratelimit'),
    // pattern:rate-limit:end
    // pattern:breakers:begin
    BREAKER_THRESHOLD: positiveInt.default(5),
    BREAKER_HALF_OPEN_MS: positiveInt.default(2000),
    // pattern:breakers:end
    // pattern:shedding:begin
    LOAD_SHEDDING: onOff.default(true),
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: positiveInt.default(200),
    LOAD_SHED_MAX_IN_FLIGHT: positiveInt.default(500),
    LOAD_SHED_SAMPLE_INTERVAL_MS: positiveInt.min(20).default(200),
    // pattern:shedding:end
  },
  // pattern:shedding:begin
  check: (c) => [
    // A sample shorter than the bound can read as "infinitely late" after one stall of its own
    // length, so the real bound would silently become the interval (load-shedding.ts).
    c.LOAD_SHED_SAMPLE_INTERVAL_MS < c.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS && {
      key: 'LOAD_SHED_SAMPLE_INTERVAL_MS',
      message: `must be at least LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS (${c.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS})`,
    },
  ],
  // pattern:shedding:end
});

export type ResilienceEnv = FragmentEnv<typeof resilienceConfig>;

// pattern:breakers:begin
/** The defaults of the breakers the board creates (the primary's, the rate limiter's Redis). */
export function breakerDefaultsFrom(
  env: ResilienceEnv,
): Pick<ResilienceOptions, 'breakerThreshold' | 'breakerHalfOpenMs'> {
  return { breakerThreshold: env.BREAKER_THRESHOLD, breakerHalfOpenMs: env.BREAKER_HALF_OPEN_MS };
}
// pattern:breakers:end

// pattern:rate-limit:begin
/** The rate limiter's wiring: its Redis, the RATE_LIMIT toggle, whose budget a request spends. */
export type RateLimitWiring = Pick<RateLimitOptions, 'redisUrl' | 'enabled' | 'subject'>;

export function rateLimitOptionsFrom(
  env: ResilienceEnv,
  wiring: RateLimitWiring,
): RateLimitOptions {
  return {
    ...wiring,
    keyPrefix: env.RATE_LIMIT_KEY_PREFIX,
    redisTimeoutMs: env.RATE_LIMIT_REDIS_TIMEOUT_MS,
    windowMs: env.RATE_LIMIT_WINDOW_MS,
    limits: {
      reads: env.RATE_LIMIT_READS,
      writes: env.RATE_LIMIT_WRITES,
      exports: env.RATE_LIMIT_EXPORTS,
      'auth-failures': env.RATE_LIMIT_AUTH_FAILURES,
    },
    windowsMs: { 'auth-failures': env.RATE_LIMIT_AUTH_FAILURES_WINDOW_MS },
    onRedisDown: env.RATE_LIMIT_ON_REDIS_DOWN,
    instances: env.RATE_LIMIT_INSTANCES,
    leaseShare: env.RATE_LIMIT_LEASE_SHARE,
    leaseMs: env.RATE_LIMIT_LEASE_MS,
  };
}
// pattern:rate-limit:end

// pattern:breakers:begin
/** A breaker with the configured threshold and open time; `policy` says what counts. */
export function breakerSettingsFrom(
  env: ResilienceEnv,
  policy: Pick<BreakerSettings, 'isFailure' | 'isTimeout'>,
): BreakerSettings {
  return { ...policy, threshold: env.BREAKER_THRESHOLD, halfOpenMs: env.BREAKER_HALF_OPEN_MS };
}
// pattern:breakers:end

// pattern:shedding:begin
/** Load shedding's wiring: the LOAD_SHEDDING toggle, exempt paths, how a refusal is sent. */
export type LoadSheddingWiring = Omit<
  LoadSheddingOptions,
  'maxEventLoopDelayMs' | 'maxInFlight' | 'sampleIntervalMs'
>;

export function loadSheddingOptionsFrom(
  env: ResilienceEnv,
  wiring: LoadSheddingWiring,
): LoadSheddingOptions {
  return {
    ...wiring,
    maxEventLoopDelayMs: env.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS,
    maxInFlight: env.LOAD_SHED_MAX_IN_FLIGHT,
    sampleIntervalMs: env.LOAD_SHED_SAMPLE_INTERVAL_MS,
  };
}
// pattern:shedding:end
