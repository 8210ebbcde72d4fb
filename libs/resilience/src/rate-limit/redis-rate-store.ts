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
import { emission, type BucketDecision, type LeaseDecision } from './gcra';

export interface RedisRateStoreOptions {
  redisUrl: string;
  /** Bucket keys are `<keyPrefix>:<subject>:<route class>`. */
  keyPrefix: string;
  /** Bound on each command, in ms, after which it fails. */
  timeoutMs: number;
}

// KEYS[1] bucket; ARGV: emission interval µs, burst µs (gcra.ts `emission`), tokens wanted, tokens
// given back. The steps of gcra.ts `leaseTokens`, in integer µs (exact in Lua's doubles). Returns
// {granted, remaining, retryAfterMs, resetMs}. The TAT is formatted with %.0f to store every digit
// whatever the conversion (Lua's tostring keeps 14, which would lose the last two). The key expires
// when the bucket is full again, so an idle tenant leaves no key behind.
const LEASE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local back = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or now) or now
if tat < now then tat = now end
if back > 0 then
  tat = math.max(tat - back * interval, now)
end
local granted = math.min(want, math.floor((burst - (tat - now)) / interval))
if granted <= 0 then
  if back > 0 then
    if tat > now then
      redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
    else
      redis.call('DEL', KEYS[1])
    end
  end
  return {0, math.max(0, math.floor((burst - (tat - now)) / interval)),
    math.max(0, math.ceil((tat + interval - burst - now) / 1000)), math.ceil((tat - now) / 1000)}
end
local new = tat + granted * interval
local reset = math.ceil((new - now) / 1000)
redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX', reset)
return {granted, math.floor((burst - (new - now)) / interval), 0, reset}`;

/** What a lease step answers (gcra.ts `LeaseDecision`, less the TAT Redis keeps). */
export type LeaseAnswer = Omit<LeaseDecision, 'newTatUs'>;

type ScriptedRedis = Redis & {
  rateLimitLease(
    key: string,
    intervalUs: number,
    burstUs: number,
    want: number,
    back: number,
  ): Promise<number[]>;
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
    this.redis.defineCommand('rateLimitLease', { numberOfKeys: 1, lua: LEASE });
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

  /** One request's token: `lease` of one. */
  async take(
    subject: string,
    routeClass: RouteClass,
    limit: number,
    windowMs: number,
  ): Promise<BucketDecision> {
    const { granted, ...bucket } = await this.lease(subject, routeClass, limit, windowMs, 1);
    return { allowed: granted === 1, ...bucket };
  }

  /** Gives back `back` unused tokens, then takes up to `want` (gcra.ts `leaseTokens`). */
  async lease(
    subject: string,
    routeClass: RouteClass,
    limit: number,
    windowMs: number,
    want: number,
    back = 0,
  ): Promise<LeaseAnswer> {
    const { intervalUs, burstUs } = emission(limit, windowMs);
    const key = `${this.options.keyPrefix}:${subject}:${routeClass}`;
    const [granted, remaining, retryAfterMs, resetMs] = await this.redis.rateLimitLease(
      key,
      intervalUs,
      burstUs,
      want,
      back,
    );
    return { granted, remaining, retryAfterMs, resetMs };
  }
}
