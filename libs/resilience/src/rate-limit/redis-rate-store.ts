/**
 * The shared buckets: gcra.ts run inside Redis, one EVALSHA per decision, so every instance
 * spends from the same bucket and the limit is global. "Now" is Redis's clock (TIME), so the
 * instances' clocks may disagree without bending the limit.
 *
 * A slow or unreachable Redis must cost a request little: every command has a short timeout and
 * there is no offline queue (a disconnected client fails at once). The caller runs `take` through
 * a breaker and decides what a failure means (RATE_LIMIT_ON_REDIS_DOWN).
 */
import { Redis } from 'ioredis';
import type { RouteClass } from '../resilience.options';
import { emission, type BucketDecision } from './gcra';

export interface RedisRateStoreOptions {
  redisUrl: string;
  /** Bucket keys are `<keyPrefix>:<subject>:<route class>`. */
  keyPrefix: string;
  /** Bound on each command, in ms, after which it fails. */
  timeoutMs: number;
}

// KEYS[1] bucket; ARGV: emission interval µs, burst µs (gcra.ts `emission`). The steps of gcra.ts,
// in integer µs (exact in Lua's doubles). Returns {allowed 0|1, remaining, retryAfterMs, resetMs}.
// The TAT is formatted with %.0f to store every digit whatever the conversion (Lua's tostring
// keeps 14, which would lose the last two). The key expires when the bucket is full again, so an
// idle tenant leaves no key behind.
const TAKE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now) or now
if tat < now then tat = now end
local new = tat + interval
if new - now > burst then
  return {0, 0, math.ceil((new - burst - now) / 1000), math.ceil((tat - now) / 1000)}
end
local reset = math.ceil((new - now) / 1000)
redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX', reset)
return {1, math.floor((burst - (new - now)) / interval), 0, reset}`;

type ScriptedRedis = Redis & {
  rateLimitTake(key: string, intervalUs: number, burstUs: number): Promise<number[]>;
};

export class RedisRateStore {
  private readonly redis: ScriptedRedis;

  constructor(private readonly options: RedisRateStoreOptions) {
    this.redis = new Redis(options.redisUrl, {
      lazyConnect: true, // no socket until start(): building the app (or a test) connects nothing
      connectTimeout: Math.max(options.timeoutMs, 1000),
      commandTimeout: options.timeoutMs,
      enableOfflineQueue: false, // fail at once while disconnected, so the breaker sees it
      maxRetriesPerRequest: 0,
      // Reconnect quickly: until then every instance limits on its own (or as the policy says).
      retryStrategy: (times: number) => Math.min(times * 20, 100),
      // stop() waits this long for the socket to close (2 s by default, keeping a stopped app, or
      // a test run, alive after a failed connection); nothing is in flight worth waiting for.
      disconnectTimeout: options.timeoutMs,
    }) as ScriptedRedis;
    this.redis.defineCommand('rateLimitTake', { numberOfKeys: 1, lua: TAKE });
    this.redis.on('error', () => undefined); // the breaker reports
  }

  /**
   * Connects (a first command would too, but fail while connecting); a Redis that is down is not
   * an error here: requests fall back until the client's reconnection finds it.
   */
  async start(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.redis.disconnect();
  }

  async take(
    subject: string,
    routeClass: RouteClass,
    limit: number,
    windowMs: number,
  ): Promise<BucketDecision> {
    const { intervalUs, burstUs } = emission(limit, windowMs);
    const key = `${this.options.keyPrefix}:${subject}:${routeClass}`;
    const [allowed, remaining, retryAfterMs, resetMs] = await this.redis.rateLimitTake(
      key,
      intervalUs,
      burstUs,
    );
    return { allowed: allowed === 1, remaining, retryAfterMs, resetMs };
  }
}
