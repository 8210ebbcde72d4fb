/**
 * The toggles lib's configuration keys (docs: libs/toggles/README.md) and the one mapping from
 * them to TogglesOptions. Each toggle's start value is a key of the lib whose pattern it switches
 * (CACHE_L1 in the cache lib's fragment…); the app hands them in as `defaults`.
 */
import { configFragment, positiveInt, type FragmentEnv } from '@docscale/pattern-kit';
import { z } from 'zod';
import type { TogglesOptions } from './toggles.options';

export const togglesConfig = configFragment({
  shape: {
    TOGGLE_SYNC_INTERVAL_MS: positiveInt.default(1000),
    TOGGLES_KEY_PREFIX: z.string().min(1).default('docscale:toggles'),
  },
});

export type TogglesEnv = FragmentEnv<typeof togglesConfig>;

export function togglesOptionsFrom(
  env: TogglesEnv,
  wiring: Pick<TogglesOptions, 'defaults' | 'redisUrl' | 'commandTimeoutMs'>,
): TogglesOptions {
  return {
    ...wiring,
    syncIntervalMs: env.TOGGLE_SYNC_INTERVAL_MS,
    keyPrefix: env.TOGGLES_KEY_PREFIX,
  };
}
