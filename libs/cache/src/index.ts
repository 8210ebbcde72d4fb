export { CacheModule } from './cache.module';
export { TieredCache } from './tiered-cache';
export type { CacheAnswer, CacheLevel, CacheState } from './tiered-cache';
export type { CacheOptions } from './cache.options';
export { CacheEntries } from './cache-entry';
export type { CacheEntry, Loaded } from './cache-entry';
export { RedisL2 } from './l2-store';
export type { L2Store, L2Listeners } from './l2-store';
export { cacheConfig, cacheOptionsFrom } from './cache.config';
