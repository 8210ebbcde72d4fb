/** Options of the toggles module. */
export interface TogglesOptions {
  /**
   * The value of every toggle at start, from configuration (`CACHE_L1=off` ...). Runtime changes
   * stored in Redis override these until they are reset.
   */
  defaults: Record<string, boolean>;
  /** Redis holding the runtime overrides and carrying change notices. */
  redisUrl: string;
  /**
   * How often each instance re-reads the override version as a backstop for a missed pub/sub
   * message (a subscriber reconnecting after a Redis restart misses what was published meanwhile).
   * @defaultValue 1000
   */
  syncIntervalMs?: number;
  /**
   * Per-command timeout on the Redis connection; a slow Redis never holds a request.
   * @defaultValue 1000
   */
  commandTimeoutMs?: number;
  /**
   * Prefix of the Redis keys and channel, so several deployments can share one Redis.
   * @defaultValue 'docscale:toggles'
   */
  keyPrefix?: string;
}
