/**
 * The cache lib's configuration keys (docs: libs/cache/README.md) and the one mapping from them
 * to CacheOptions. The defaults live in the shape.
 */
import {
  configFragment,
  nonNegativeInt,
  onOff,
  positiveInt,
  type FragmentEnv,
} from '@docscale/pattern-kit';
import { z } from 'zod';
import type { CacheOptions } from './cache.options';

export const cacheConfig = configFragment({
  shape: {
    // Toggles (their start values; the toggles lib flips them at run time).
    CACHE_L1: onOff.default(true),
    CACHE_L2: onOff.default(true),
    CACHE_INVALIDATION: onOff.default(true),
    CACHE_KEY_PREFIX: z.string().min(1).default('docscale:cache'),
    CACHE_L1_MAX_BYTES: positiveInt.default(67_108_864),
    CACHE_L1_TTL_MS: positiveInt.default(1000),
    CACHE_L2_TTL_MS: positiveInt.default(60_000),
    CACHE_L2_TTL_JITTER: z.coerce.number().min(0).max(0.5).default(0.1),
    CACHE_NEGATIVE_TTL_MS: positiveInt.default(5000),
    CACHE_TOMBSTONE_TTL_MS: positiveInt.default(30_000),
    CACHE_LEASE_MS: positiveInt.default(500),
    CACHE_LEASE_WAIT_MS: nonNegativeInt.default(100),
    CACHE_REDIS_TIMEOUT_MS: positiveInt.default(200),
    CACHE_BREAKER_THRESHOLD: positiveInt.default(5),
    CACHE_BREAKER_HALF_OPEN_MS: positiveInt.default(1000),
  },
});

export type CacheEnv = FragmentEnv<typeof cacheConfig>;

/** What the app supplies that is not configuration: the Redis, toggles, the breaker report. */
export type CacheWiring = Pick<
  CacheOptions,
  'redisUrl' | 'l1Enabled' | 'l2Enabled' | 'invalidationEnabled' | 'onBreakerState'
>;

export function cacheOptionsFrom(env: CacheEnv, wiring: CacheWiring): CacheOptions {
  return {
    ...wiring,
    keyPrefix: env.CACHE_KEY_PREFIX,
    redisTimeoutMs: env.CACHE_REDIS_TIMEOUT_MS,
    breakerThreshold: env.CACHE_BREAKER_THRESHOLD,
    breakerHalfOpenMs: env.CACHE_BREAKER_HALF_OPEN_MS,
    l1MaxBytes: env.CACHE_L1_MAX_BYTES,
    l1TtlMs: env.CACHE_L1_TTL_MS,
    l2TtlMs: env.CACHE_L2_TTL_MS,
    l2TtlJitter: env.CACHE_L2_TTL_JITTER,
    negativeTtlMs: env.CACHE_NEGATIVE_TTL_MS,
    tombstoneTtlMs: env.CACHE_TOMBSTONE_TTL_MS,
    leaseMs: env.CACHE_LEASE_MS,
    leaseWaitMs: env.CACHE_LEASE_WAIT_MS,
  };
}
