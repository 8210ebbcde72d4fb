/**
 * Distributed rate limiting: per tenant and route class, a token bucket that every instance
 * spends from (gcra.ts: the algorithm; redis-rate-store.ts: the shared buckets).
 *
 * Problem: one tenant's burst must not take the capacity every other tenant shares, and a limit
 * kept per instance is multiplied by however many instances the load balancer spreads it over.
 *
 * Mechanism: one atomic script per request on a Redis every instance shares, through a breaker,
 * so a slow Redis costs a request at most one command timeout until the breaker opens, then
 * nothing.
 *
 * Failure mode: while Redis cannot be asked, RATE_LIMIT_ON_REDIS_DOWN decides: `local` limits
 * per instance to limit / instances (roughly the global limit, if the balancer spreads a tenant
 * evenly), `open` admits everything (no limit at all during the outage), `closed` refuses every
 * limited request with 503 (the limit holds, the service does not).
 */
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { metrics, type Attributes } from '@opentelemetry/api';
import { Breakers, type Breaker } from '../breakers';
import { CircuitOpenError } from '../resilience.errors';
import { RESILIENCE_OPTIONS } from '../resilience.module-definition';
import type {
  RateLimitOptions,
  RedisDownPolicy,
  ResilienceOptions,
  RouteClass,
} from '../resilience.options';
import type { BucketDecision } from './gcra';
import { LocalRateStore } from './local-rate-store';
import { RateLimitUnavailableError } from './rate-limit.errors';
import { RedisRateStore } from './redis-rate-store';

export interface RateLimitDecision {
  allowed: boolean;
  /** Requests per window enforced for this class (this instance's share when source is local). */
  limit: number;
  /** Requests left in the bucket after this one. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** 0 when allowed; else seconds until one request's worth of budget is back. */
  retryAfterSeconds: number;
  /** Who decided: the shared buckets, this instance's (Redis down), or nobody (Redis down, open). */
  source: 'redis' | 'local' | 'open';
}

type Outcome = 'allowed' | 'limited' | 'refused';
type Source = RateLimitDecision['source'] | 'closed';

const DOWN_MEANS: Record<RedisDownPolicy, string> = {
  local: 'limiting per instance',
  open: 'admitting every request',
  closed: 'refusing limited requests',
};

@Injectable()
export class RateLimiter implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('RateLimiter');
  private readonly options: RateLimitOptions;
  private readonly policy: RedisDownPolicy;
  private readonly redis: RedisRateStore;
  private readonly local: LocalRateStore;
  private readonly breaker: Breaker;
  private readonly decisions = metrics
    .getMeter('docscale.resilience')
    .createCounter('docscale.rate_limit.decisions', {
      description:
        'Rate limit decisions by route class, decision (allowed, limited, refused) and source (redis, local, open, closed)',
    });
  private readonly attributes = attributeTable();
  private redisDown = false;

  constructor(
    @Inject(RESILIENCE_OPTIONS) resilience: ResilienceOptions,
    @Inject(Breakers) breakers: Breakers,
  ) {
    this.options = resilience.rateLimit;
    this.policy = this.options.onRedisDown ?? 'local';
    this.redis = new RedisRateStore({
      redisUrl: this.options.redisUrl,
      keyPrefix: this.options.keyPrefix ?? 'docscale:ratelimit',
      timeoutMs: this.options.redisTimeoutMs ?? 200,
    });
    this.local = new LocalRateStore({
      instances: this.options.instances ?? 1,
      windowMs: this.options.windowMs,
    });
    this.breaker = breakers.create('redis-rate-limit', {
      threshold: resilience.breakerThreshold ?? 5,
      halfOpenMs: resilience.breakerHalfOpenMs ?? 2000,
      isFailure: () => true, // any error (a timeout, a refused connection, a script error) is Redis's
      isTimeout: (e) => /timed? ?out/i.test(String((e as Error)?.message)),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.redis.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.stop();
  }

  /** Spends one request of `subject`'s budget for `routeClass`. */
  async take(subject: string, routeClass: RouteClass): Promise<RateLimitDecision> {
    const limit = this.options.limits[routeClass];
    let bucket: BucketDecision;
    try {
      bucket = await this.breaker.execute(() =>
        this.redis.take(subject, routeClass, limit, this.options.windowMs),
      );
    } catch (err) {
      this.noteOutage(err);
      return this.whileRedisDown(subject, routeClass, limit, err);
    }
    this.noteRecovery();
    return this.decided(routeClass, limit, bucket, 'redis');
  }

  private whileRedisDown(
    subject: string,
    routeClass: RouteClass,
    limit: number,
    err: unknown,
  ): RateLimitDecision {
    if (this.policy === 'local') {
      const bucket = this.local.take(subject, routeClass, limit);
      return this.decided(routeClass, this.local.shareOf(limit), bucket, 'local');
    }
    if (this.policy === 'open') {
      this.count(routeClass, 'allowed', 'open');
      return {
        allowed: true,
        limit,
        remaining: limit,
        resetSeconds: 0,
        retryAfterSeconds: 0,
        source: 'open',
      };
    }
    this.count(routeClass, 'refused', 'closed');
    throw new RateLimitUnavailableError(
      err instanceof CircuitOpenError ? err.retryAfterSeconds : 1,
    );
  }

  private decided(
    routeClass: RouteClass,
    limit: number,
    bucket: BucketDecision,
    source: 'redis' | 'local',
  ): RateLimitDecision {
    this.count(routeClass, bucket.allowed ? 'allowed' : 'limited', source);
    return {
      allowed: bucket.allowed,
      limit,
      remaining: bucket.remaining,
      resetSeconds: Math.ceil(bucket.resetMs / 1000),
      retryAfterSeconds: Math.ceil(bucket.retryAfterMs / 1000),
      source,
    };
  }

  // Once per outage, not per request: during one, every request would log the same line.
  private noteOutage(err: unknown): void {
    if (this.redisDown) return;
    this.redisDown = true;
    const reason = err instanceof Error ? err.message : String(err);
    this.log.warn(`Redis (rate limit) unavailable, ${DOWN_MEANS[this.policy]}: ${reason}`);
  }

  private noteRecovery(): void {
    if (!this.redisDown) return;
    this.redisDown = false;
    this.log.log('Redis (rate limit) is back: limits are global again');
  }

  private count(routeClass: RouteClass, outcome: Outcome, source: Source): void {
    this.decisions.add(1, this.attributes[routeClass][outcome][source]);
  }
}

/** Every attribute set the counter can record, built once: a request allocates none. */
function attributeTable(): Record<RouteClass, Record<Outcome, Record<Source, Attributes>>> {
  const sets = <K extends string, V>(keys: readonly K[], value: (key: K) => V) =>
    Object.fromEntries(keys.map((key) => [key, value(key)])) as Record<K, V>;
  return sets(['reads', 'writes', 'exports'] as const, (cls) =>
    sets(['allowed', 'limited', 'refused'] as const, (decision) =>
      sets(['redis', 'local', 'open', 'closed'] as const, (source) => ({
        'rate_limit.class': cls,
        'rate_limit.decision': decision,
        'rate_limit.source': source,
      })),
    ),
  );
}
