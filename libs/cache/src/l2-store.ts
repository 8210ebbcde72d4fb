/**
 * L2: the shared Redis level, and the pub/sub channel that carries invalidations to every
 * instance's L1. Every command has a short timeout (ioredis' commandTimeout; no offline queue, so
 * a disconnected Redis fails at once). Reads, fills and leases also go through a circuit breaker
 * (cockatiel), so a slow Redis costs a read at most one timeout until the breaker opens, then
 * nothing: the cache is bypassed and reads go to the database. A write's commands do not: a write
 * must reach Redis whenever Redis is reachable, or other instances keep what it replaced.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import { Redis } from 'ioredis';

/** What the tiered cache hears from L2. */
export interface L2Listeners {
  /** An invalidation published by any instance (including this one): `<rank>|<key>`, or `*` for all. */
  onInvalidation(message: string): void;
  /** The subscription is up: invalidations published from now on will arrive. */
  onSubscribed(): void;
  /** The subscription dropped: invalidations may be missed until onSubscribed. */
  onSubscriptionLost(): void;
  /** The breaker changed state (Redis judged unavailable, being probed, or back). */
  onBreakerState(state: CircuitState): void;
  /** The command connection is (re)established: writes that missed L2 can be replayed now. */
  onReconnected(): void;
}

/** L2 as the tiered cache uses it; a unit test gives the cache a fake one. */
export interface L2Store {
  /** False while the breaker is open: calls would fail at once. */
  readonly available: boolean;
  /** True while invalidations are being received. */
  readonly subscribed: boolean;
  start(listeners: L2Listeners): Promise<void>;
  stop(): Promise<void>;
  get(key: string): Promise<string | null>;
  /**
   * Compare-and-set by rank. Fills go through the breaker; a write's marks (and its publish and
   * delete) never wait for it: a write must reach Redis whenever Redis is reachable, or other
   * instances keep what it replaced. Unreachable, they fail at once (no offline queue). `fill` (a reader's) stores unless the current record is newer or
   * equal (a floor admits its own rank); `mark` (a write's) stores unless the current one is newer.
   */
  put(
    key: string,
    record: string,
    rank: number,
    ttlMs: number,
    mode: 'fill' | 'mark',
  ): Promise<boolean>;
  /** Plain delete, for the naive pattern (CACHE_INVALIDATION=off). */
  delete(key: string): Promise<void>;
  /** A token when this caller may load the key; null when another loader holds the lease. */
  acquireLease(key: string, ttlMs: number): Promise<string | null>;
  releaseLease(key: string, token: string): Promise<void>;
  publish(message: string): Promise<void>;
  /** Deletes every entry (not leases); returns how many. */
  flushAll(): Promise<number>;
}

export interface RedisL2Options {
  redisUrl: string;
  keyPrefix: string;
  /** Bound on each command, after which it counts as a failure. */
  timeoutMs: number;
  /** Consecutive failures that open the breaker. */
  breakerThreshold: number;
  /** How long the breaker stays open before one probe call is let through. */
  halfOpenAfterMs: number;
}

// KEYS[1] entry; ARGV: record, rank, ttl ms, mode. A write's record ('mark') replaces anything not
// newer. A fill replaces a lower rank, a floor of its own rank, or the same record read at a later
// WAL position (so a reader with a newer token can refresh it). A record it cannot read is replaced.
const PUT = `
local function parse(record)
  local kind, rank, lsn = string.match(record, '^(%u)|(%d+)|(%x*)|')
  return kind, tonumber(rank), lsn
end
-- 16 hex digits as two exact 32-bit halves (Lua numbers are doubles); '' (unknown) is lowest.
local function later(a, b)
  if #a ~= 16 then return false end
  if #b ~= 16 then return true end
  local ah, bh = tonumber(string.sub(a, 1, 8), 16), tonumber(string.sub(b, 1, 8), 16)
  if ah ~= bh then return ah > bh end
  return tonumber(string.sub(a, 9, 16), 16) > tonumber(string.sub(b, 9, 16), 16)
end
local current = redis.call('GET', KEYS[1])
if current then
  local kind, rank, lsn = parse(current)
  local newKind, _, newLsn = parse(ARGV[1])
  local incoming = tonumber(ARGV[2])
  if rank then
    if ARGV[4] == 'mark' or kind == 'F' then
      if incoming < rank then return 0 end
    elseif incoming < rank then
      return 0
    elseif incoming == rank and not (kind == newKind and later(newLsn, lsn)) then
      return 0
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`;

const SUBSCRIBE_RETRY_MS = 500;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type ScriptedRedis = Redis & {
  cachePut(key: string, record: string, rank: number, ttlMs: number, mode: string): Promise<number>;
  cacheRelease(key: string, token: string): Promise<number>;
};

export class RedisL2 implements L2Store {
  private readonly log = new Logger('RedisL2');
  private readonly redis: ScriptedRedis;
  private readonly subscriber: Redis;
  private readonly breaker;
  private readonly channel: string;
  private isSubscribed = false;
  private openedAtMs = 0;
  private listeners?: L2Listeners;

  constructor(private readonly options: RedisL2Options) {
    const base = {
      lazyConnect: true,
      connectTimeout: Math.max(options.timeoutMs, 1000),
      // Reconnect quickly: until every instance is back, a write from one still reconnecting
      // cannot invalidate what the others, already back, have cached.
      retryStrategy: (times: number) => Math.min(times * 20, 100),
    };
    this.redis = new Redis(options.redisUrl, {
      ...base,
      commandTimeout: options.timeoutMs,
      enableOfflineQueue: false, // fail at once while disconnected, so the breaker sees it
      maxRetriesPerRequest: 0,
    }) as ScriptedRedis;
    this.redis.defineCommand('cachePut', { numberOfKeys: 1, lua: PUT });
    this.redis.defineCommand('cacheRelease', { numberOfKeys: 1, lua: RELEASE });
    this.subscriber = new Redis(options.redisUrl, { ...base, autoResubscribe: false });
    for (const c of [this.redis, this.subscriber]) c.on('error', () => undefined); // the breaker reports
    this.channel = `${options.keyPrefix}:invalidations`;
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    });
    this.breaker.onBreak(() => (this.openedAtMs = Date.now()));
  }

  get available(): boolean {
    // cockatiel half-opens only when a call is attempted, so once a probe is due say so: a cache
    // that skips L2 while it is unavailable would otherwise never call, and never see Redis back.
    return (
      this.breaker.state !== CircuitState.Open ||
      Date.now() - this.openedAtMs >= this.options.halfOpenAfterMs
    );
  }

  get subscribed(): boolean {
    return this.isSubscribed;
  }

  async start(listeners: L2Listeners): Promise<void> {
    this.listeners = listeners;
    this.breaker.onStateChange((state) => {
      if (state === CircuitState.Open) this.log.warn('Redis (cache) unavailable: bypassing L2');
      if (state === CircuitState.Closed) this.log.log('Redis (cache) is back: L2 in use');
      listeners.onBreakerState(state);
    });
    this.subscriber.on('message', (_channel: string, message: string) =>
      listeners.onInvalidation(message),
    );
    this.subscriber.on('ready', () => void this.subscribe());
    this.redis.on('ready', () => this.listeners?.onReconnected());
    this.subscriber.on('close', () => {
      if (!this.isSubscribed) return;
      this.isSubscribed = false;
      this.listeners?.onSubscriptionLost(); // not after stop(): shutting down is not an outage
    });
    await Promise.allSettled([this.redis.connect(), this.subscriber.connect()]);
  }

  async stop(): Promise<void> {
    this.listeners = undefined;
    this.redis.disconnect();
    this.subscriber.disconnect();
  }

  get(key: string): Promise<string | null> {
    return this.call(() => this.redis.get(this.entryKey(key)));
  }

  async put(
    key: string,
    record: string,
    rank: number,
    ttlMs: number,
    mode: 'fill' | 'mark',
  ): Promise<boolean> {
    const put = () =>
      this.redis.cachePut(this.entryKey(key), record, rank, Math.max(1, Math.round(ttlMs)), mode);
    const stored = await (mode === 'mark' ? put() : this.call(put));
    return stored === 1;
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.entryKey(key));
  }

  async acquireLease(key: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    const ok = await this.call(() => this.redis.set(this.leaseKey(key), token, 'PX', ttlMs, 'NX'));
    return ok === 'OK' ? token : null;
  }

  async releaseLease(key: string, token: string): Promise<void> {
    await this.call(() => this.redis.cacheRelease(this.leaseKey(key), token));
  }

  async publish(message: string): Promise<void> {
    await this.redis.publish(this.channel, message);
  }

  async flushAll(): Promise<number> {
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await this.redis.scan(
        cursor,
        'MATCH',
        `${this.options.keyPrefix}:e:*`,
        'COUNT',
        1000,
      );
      if (keys.length) removed += await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    return removed;
  }

  private async subscribe(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
    } catch (err) {
      this.log.warn(`cache invalidation subscription failed: ${String(err)}`);
      // Retried while the connection stays up (an error reply); a reconnect's 'ready' retries too.
      setTimeout(() => {
        if (this.listeners && this.subscriber.status === 'ready' && !this.isSubscribed) {
          void this.subscribe();
        }
      }, SUBSCRIBE_RETRY_MS).unref();
      return;
    }
    this.isSubscribed = true;
    this.listeners?.onSubscribed();
  }

  private call<T>(command: () => Promise<T>): Promise<T> {
    return this.breaker.execute(command);
  }

  private entryKey(key: string): string {
    return `${this.options.keyPrefix}:e:${key}`;
  }

  private leaseKey(key: string): string {
    return `${this.options.keyPrefix}:lease:${key}`;
  }
}
