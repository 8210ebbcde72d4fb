/**
 * Distributed rate limiting: per tenant and route class, a token bucket that every instance
 * spends from (gcra.ts: the algorithm; redis-rate-store.ts: the shared buckets).
 *
 * Problem: one tenant's burst must not take the capacity every other tenant shares, and a limit
 * kept per instance is multiplied by however many instances the load balancer spreads it over.
 *
 * Mechanism: one atomic script on a Redis every instance shares, through a breaker, so a slow Redis
 * costs a request at most one command timeout until the breaker opens, then nothing. With leases
 * on (`leaseShare`), the script runs once per lease instead of once per request: an instance takes
 * up to `limit × leaseShare` tokens of a bucket at once (twice what its last lease spent, so a
 * quiet tenant leases one token at a time and a busy one a full lease), spends them in memory, and
 * gives back what it did not spend within `leaseMs`. Tokens are taken from the shared bucket before
 * they are spent, so leasing never admits what the bucket refused; its cost is timing: an
 * instance may spend, in any window, up to one lease of tokens it took just before the window
 * began, and may hold up to one lease another instance is refused meanwhile. Per instance that is
 * at most `limit × leaseShare` tokens either way (docs/patterns/rate-limiting.md, "Precision").
 * Why hand-written: no rate-limiting library offers leases against a shared GCRA bucket.
 *
 * Failure mode: while Redis cannot be asked, RATE_LIMIT_ON_REDIS_DOWN decides: `local` limits
 * per instance to limit / instances (roughly the global limit, if the balancer spreads a tenant
 * evenly), `open` admits everything (no limit at all during the outage), `closed` refuses every
 * limited request with 503 (the limit holds, the service does not).
 */
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { byKey, CounterSeries, PreAggregatedCounter } from '@docscale/telemetry';
import { metrics } from '@opentelemetry/api';
// pattern:breakers:begin
import { Breakers } from '../breakers';
import { CircuitOpenError } from '../resilience.errors';
// pattern:breakers:end
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

/** One instance's lease on one bucket (tenant and route class). */
interface Lease {
  readonly subject: string;
  readonly routeClass: RouteClass;
  /** Tokens taken from the bucket and not spent yet. */
  tokens: number;
  /** Tokens spent from the current lease: the next one asks for twice as many. */
  spent: number;
  /** Requests waiting for the lease being taken: the next one asks for at least as many. */
  waiting: number;
  /** performance.now() from which what is left is given back rather than spent. */
  expiresAt: number;
  /** What Redis said of the bucket when the lease was taken: the RateLimit-* headers' basis. */
  bucketRemaining: number;
  resetMs: number;
  /** The lease being taken from Redis, if one is: concurrent requests wait for it. */
  refill?: Promise<Refill>;
}

/** How taking a lease ended: tokens in hand, a refusal (the bucket is empty), or Redis failed. */
type Refill =
  | { kind: 'leased' }
  | { kind: 'refused'; bucket: BucketDecision }
  | { kind: 'failed'; err: unknown };

/** A lease not renewed for this long is forgotten (its leftover was given back long before). */
const FORGET_AFTER_MS = 10_000;
type Source = RateLimitDecision['source'] | 'closed';

const DOWN_MEANS: Record<RedisDownPolicy, string> = {
  local: 'limiting per instance',
  open: 'admitting every request',
  closed: 'refusing limited requests',
};

// pattern:breakers:begin
/** Seconds until Redis is asked again: when the breaker lets a probe through, or at once. */
const retryAfter = (err: unknown) => (err instanceof CircuitOpenError ? err.retryAfterSeconds : 1);
// pattern:breakers:else
// /** Seconds until Redis is asked again: by the next request. */
// const retryAfter = (_err: unknown) => 1;
// pattern:breakers:end

@Injectable()
export class RateLimiter implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('RateLimiter');
  private readonly options: RateLimitOptions;
  private readonly policy: RedisDownPolicy;
  private readonly redis: RedisRateStore;
  private readonly local: LocalRateStore;
  /** Every call to Redis goes through it: a breaker while there are breakers. */
  private readonly breaker: { execute<T>(work: () => Promise<T>): Promise<T> };
  /** Every series the decisions counter can add to, resolved once: a decision is one addition. */
  private readonly decisions = decisionSeries();
  /** Round trips to the shared buckets, by route class: what leases save. */
  private readonly roundTrips = PreAggregatedCounter.of(
    metrics.getMeter('docscale.resilience'),
    'docscale.rate_limit.round_trips',
    { description: 'Calls to the shared buckets in Redis (a take or a lease), by route class' },
  ).seriesBy(ROUTE_CLASSES, (cls) => ({ 'rate_limit.class': cls }));
  private readonly leases = new Map<string, Lease>();
  private readonly leaseShare: number;
  private readonly leaseMs: number;
  private sweeper?: NodeJS.Timeout;
  /** The give-backs of the sweep in progress, if any: shutdown waits for them. */
  private sweeping: Promise<void> = Promise.resolve();
  private redisDown = false;

  constructor(
    @Inject(RESILIENCE_OPTIONS) resilience: ResilienceOptions,
    // pattern:breakers:begin
    @Inject(Breakers) breakers: Breakers,
    // pattern:breakers:end
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
    // pattern:breakers:begin
    this.breaker = breakers.create('redis-rate-limit', {
      threshold: resilience.breakerThreshold ?? 5,
      halfOpenMs: resilience.breakerHalfOpenMs ?? 2000,
      isFailure: () => true, // any error (a timeout, a refused connection, a script error) is Redis's
      isTimeout: (e) => /timed? ?out/i.test(String((e as Error)?.message)),
    });
    // pattern:breakers:else
    // // Without breakers each call waits out its own timeout (redisTimeoutMs) while Redis is down.
    // this.breaker = { execute: (work) => work() };
    // pattern:breakers:end
    this.leaseShare = this.options.leaseShare ?? 0;
    this.leaseMs = this.options.leaseMs ?? 100;
  }

  async onModuleInit(): Promise<void> {
    await this.redis.start();
    if (this.leaseShare > 0) {
      this.sweeper = setInterval(() => {
        this.sweeping = this.sweep(performance.now());
      }, this.leaseMs);
      this.sweeper.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    // What this instance leased and did not spend goes back: once the leases being taken have
    // their answer and the last timed sweep's give-backs are done, everything left.
    const inFlight = [...this.leases.values()].map((lease) => lease.refill);
    await Promise.all([this.sweeping, ...inFlight]);
    await this.sweep(Infinity);
    await this.redis.stop();
  }

  /** The refill period of `routeClass`'s buckets, in ms. */
  windowOf(routeClass: RouteClass): number {
    return this.options.windowsMs?.[routeClass] ?? this.options.windowMs;
  }

  /** The most tokens one lease of a `limit` bucket takes; 1 means no leasing. */
  leaseSize(limit: number): number {
    return Math.max(1, Math.floor(limit * this.leaseShare));
  }

  /** Spends one request of `subject`'s budget for `routeClass`. */
  async take(subject: string, routeClass: RouteClass): Promise<RateLimitDecision> {
    const limit = this.options.limits[routeClass];
    const size = this.leaseSize(limit);
    if (size === 1) return this.takeOne(subject, routeClass, limit);
    const key = `${subject}:${routeClass}`;
    // Ends: each refill either puts at least one token in the lease or answers every request
    // waiting on it; the requests waiting are served in the order they began waiting.
    for (;;) {
      const lease = this.leaseOf(key, subject, routeClass);
      if (lease.tokens > 0 && performance.now() < lease.expiresAt) {
        lease.tokens--;
        lease.spent++;
        return this.decided(routeClass, limit, spentFrom(lease), 'redis');
      }
      let refill = lease.refill;
      if (refill !== undefined) lease.waiting++;
      else refill = this.refill(lease, limit, size);
      const outcome = await refill;
      if (outcome.kind === 'refused')
        return this.decided(routeClass, limit, outcome.bucket, 'redis');
      if (outcome.kind === 'failed')
        return this.whileRedisDown(subject, routeClass, limit, outcome.err);
    }
  }

  /** No leasing: one round trip per request, the bucket's exact answer. */
  private async takeOne(
    subject: string,
    routeClass: RouteClass,
    limit: number,
  ): Promise<RateLimitDecision> {
    let bucket: BucketDecision;
    try {
      bucket = await this.breaker.execute(() => {
        this.roundTrips[routeClass].add();
        return this.redis.take(subject, routeClass, limit, this.windowOf(routeClass));
      });
    } catch (err) {
      this.noteOutage(err);
      return this.whileRedisDown(subject, routeClass, limit, err);
    }
    this.noteRecovery();
    return this.decided(routeClass, limit, bucket, 'redis');
  }

  /**
   * Takes a new lease on the bucket, giving back in the same step what an expired one left. Every
   * request arriving meanwhile waits for this one call rather than making its own, so an instance
   * never holds more than one lease of a bucket. The lease asks for twice what the last one spent,
   * and at least for the requests that waited on the last call, up to the lease size: a quiet
   * tenant's burst gets its tokens in a few round trips, one after the other.
   */
  private refill(lease: Lease, limit: number, size: number): Promise<Refill> {
    const back = lease.tokens; // left by an expired lease: being given back, no longer spendable
    const want = Math.min(size, Math.max(1, 2 * lease.spent, lease.waiting + 1));
    lease.tokens = 0;
    lease.spent = 0;
    lease.waiting = 0;
    const refill = (async (): Promise<Refill> => {
      try {
        const answer = await this.breaker.execute(() => this.leaseCall(lease, limit, want, back));
        this.noteRecovery();
        lease.bucketRemaining = answer.remaining;
        lease.resetMs = answer.resetMs;
        if (answer.granted === 0) {
          lease.expiresAt = 0;
          return { kind: 'refused', bucket: { ...answer, allowed: false } };
        }
        lease.tokens = answer.granted;
        lease.expiresAt = performance.now() + this.leaseMs;
        return { kind: 'leased' };
      } catch (err) {
        // Tokens given back in a call that failed may not have reached Redis: counted as spent.
        this.noteOutage(err);
        return { kind: 'failed', err };
      }
    })();
    lease.refill = refill;
    // Registered before any waiter's: the lease is free for the next call when they resume.
    void refill.finally(() => {
      if (lease.refill === refill) lease.refill = undefined;
    });
    return refill;
  }

  /**
   * Gives back what expired leases did not spend (all of it at shutdown: `now` Infinity), so
   * another instance can spend it, and forgets leases idle for a while. Failures are ignored: the
   * tokens are then lost to the bucket until it refills, which only errs towards refusing.
   */
  private async sweep(now: number): Promise<void> {
    const returns: Promise<unknown>[] = [];
    for (const [key, lease] of this.leases) {
      if (lease.refill !== undefined || now < lease.expiresAt) continue;
      if (lease.tokens > 0) {
        const back = lease.tokens;
        lease.tokens = 0;
        const limit = this.options.limits[lease.routeClass];
        returns.push(this.leaseCall(lease, limit, 0, back).catch(() => undefined));
      } else if (now - lease.expiresAt > FORGET_AFTER_MS) {
        this.leases.delete(key);
      }
    }
    await Promise.all(returns);
  }

  /** This instance's lease on `key`'s bucket, created empty (and expired) on first use. */
  private leaseOf(key: string, subject: string, routeClass: RouteClass): Lease {
    let lease = this.leases.get(key);
    if (lease === undefined) {
      lease = {
        subject,
        routeClass,
        tokens: 0,
        spent: 0,
        waiting: 0,
        expiresAt: 0,
        bucketRemaining: 0,
        resetMs: 0,
      };
      this.leases.set(key, lease);
    }
    return lease;
  }

  /** One call to the lease's bucket in Redis (gives back `back`, takes up to `want`), counted. */
  private leaseCall(lease: Lease, limit: number, want: number, back: number) {
    this.roundTrips[lease.routeClass].add();
    const { subject, routeClass } = lease;
    return this.redis.lease(subject, routeClass, limit, this.windowOf(routeClass), want, back);
  }

  private whileRedisDown(
    subject: string,
    routeClass: RouteClass,
    limit: number,
    err: unknown,
  ): RateLimitDecision {
    if (this.policy === 'local') {
      const bucket = this.local.take(subject, routeClass, limit, this.windowOf(routeClass));
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
    throw new RateLimitUnavailableError(retryAfter(err));
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
    this.decisions[routeClass][outcome][source].add();
  }
}

const ROUTE_CLASSES = ['reads', 'writes', 'exports', 'auth-failures'] as const;

/** A request served from a lease: the bucket as Redis last said, plus the lease's tokens. */
function spentFrom(lease: Lease): BucketDecision {
  return {
    allowed: true,
    remaining: lease.bucketRemaining + lease.tokens,
    retryAfterMs: 0,
    resetMs: lease.resetMs,
  };
}

function decisionSeries(): Record<RouteClass, Record<Outcome, Record<Source, CounterSeries>>> {
  const counter = PreAggregatedCounter.of(
    metrics.getMeter('docscale.resilience'),
    'docscale.rate_limit.decisions',
    {
      description:
        'Rate limit decisions by route class, decision (allowed, limited, refused) and source (redis, local, open, closed)',
    },
  );
  return byKey(ROUTE_CLASSES, (cls) =>
    byKey(['allowed', 'limited', 'refused'] as const, (decision) =>
      counter.seriesBy(['redis', 'local', 'open', 'closed'] as const, (source) => ({
        'rate_limit.class': cls,
        'rate_limit.decision': decision,
        'rate_limit.source': source,
      })),
    ),
  );
}
