// pattern:read-replicas:begin
import { Database, ReadRouting } from '@docscale/database';
// pattern:read-replicas:else
// import { Database } from '@docscale/database';
// pattern:read-replicas:end
import { TieredCache } from '@docscale/cache'; // pattern:cache
// pattern:queue:begin
import { JobQueue, OutboxRelay } from '@docscale/queue';
// pattern:queue:end
// pattern:breakers:begin
import { Breakers, CircuitOpenError } from '@docscale/resilience';
// pattern:breakers:end
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Optional } from '@nestjs/common'; // pattern:cache
import { HealthIndicatorService } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { AppConfig } from '../config';

/**
 * Dependency checks for readiness. None of them fails readiness: every dependency is shared by
 * all instances, so taking an instance out of the balancer because one is down helps nobody and
 * takes every instance out at once, turning a degradation into an outage. With the primary down,
 * reads are still served from the replicas and the cache while writes fail fast (503 from the
 * primary's breaker); with a replica or Redis down, reads fall back to the primary and the cache is
 * bypassed. A dependency that is down is reported as `up` with `degraded: true` and its state.
 * Readiness fails only while this instance shuts down (Lifecycle).
 *
 * Every check is bounded by HEALTH_CHECK_TIMEOUT_MS, so a frozen dependency cannot hang a probe.
 * The endpoint is unauthenticated: it names members by position and says what state they are in;
 * addresses and raw error texts go to the log only.
 */
@Injectable()
export class DependencyHealth implements OnApplicationShutdown {
  private readonly log = new Logger('Health');
  private readonly redisClient: Redis;
  private readonly timeoutMs: number;

  constructor(
    private readonly db: Database,
    // pattern:read-replicas:begin
    private readonly routing: ReadRouting,
    // pattern:read-replicas:end
    private readonly indicator: HealthIndicatorService,
    // pattern:queue:begin
    private readonly jobs: JobQueue,
    private readonly relay: OutboxRelay,
    // pattern:queue:end
    // pattern:breakers:begin
    private readonly breakerBoard: Breakers,
    // pattern:breakers:end
    @Inject(AppConfig) config: AppConfig,
    // pattern:cache:begin
    // The API's; the worker has no cache.
    @Optional() private readonly tieredCache?: TieredCache,
    // pattern:cache:end
  ) {
    this.timeoutMs = config.env.HEALTH_CHECK_TIMEOUT_MS;
    this.redisClient = new Redis(config.env.REDIS_URL, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: config.env.REDIS_COMMAND_TIMEOUT_MS,
      commandTimeout: config.env.REDIS_COMMAND_TIMEOUT_MS,
      // Readiness reports Redis back within a second of its return (ioredis 6's default backs
      // off exponentially to 5 s).
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    });
    this.redisClient.on('error', () => undefined); // reported through readiness
  }

  async primary(key: string) {
    const session = this.indicator.check(key);
    try {
      await this.bounded(this.db.pingPrimary());
      return session.up();
    } catch (err) {
      this.log.warn(`primary check failed: ${(err as Error).message}`);
      // pattern:breakers:begin
      const state = err instanceof CircuitOpenError ? 'circuit open' : 'unreachable';
      // pattern:breakers:else
      // const state = 'unreachable';
      // pattern:breakers:end
      return session.up({ degraded: true, state });
    }
  }

  // pattern:read-replicas:begin
  async replicas(key: string) {
    const session = this.indicator.check(key);
    const statuses = await this.bounded(this.db.replicaStatus()).catch(() => undefined);
    if (!statuses) return session.up({ degraded: true, state: 'check timed out' });
    const rotation = this.routing.replicas();
    const members = statuses.map((m, i) => {
      if (m.error) this.log.warn(`replica ${i + 1} (${m.url}): ${m.error}`);
      const state = !m.reachable ? 'unreachable' : m.error ? 'not a standby' : 'streaming';
      const { inRotation = false, lagMs } = rotation[i] ?? {};
      return { member: i + 1, state, lagBytes: m.lagBytes, lagMs, inRotation };
    });
    const degraded = members.some((m) => m.state !== 'streaming' || !m.inRotation);
    return session.up({ degraded, members });
  }
  // pattern:read-replicas:end

  async redis(key: string) {
    const session = this.indicator.check(key);
    try {
      if (this.redisClient.status === 'wait' || this.redisClient.status === 'end') {
        await this.bounded(this.redisClient.connect());
      }
      await this.bounded(this.redisClient.ping());
      return session.up();
    } catch (err) {
      this.log.warn(`redis check failed: ${(err as Error).message}`);
      return session.up({ degraded: true, state: 'unreachable' });
    }
  }

  // pattern:cache:begin
  /**
   * This instance's cache: L1 answering (`active`, or `off` by toggle or while unsubscribed), the
   * Redis breaker, and writes owed to L2. Degraded while L2 is bypassed or writes are owed.
   */
  cache(key: string) {
    const session = this.indicator.check(key);
    if (!this.tieredCache) return session.up({ state: 'none in this process' });
    const state = this.tieredCache.state();
    return session.up({ degraded: state.l2 !== 'closed' || state.pendingWrites > 0, ...state });
  }
  // pattern:cache:end

  // pattern:queue:begin
  /**
   * The queue's backlog and the outbox's (where this process relays). Never down: a queue that
   * is unreachable or deep delays jobs, it does not make this instance unfit for requests.
   */
  async queue(key: string) {
    const session = this.indicator.check(key);
    const [depth, outbox] = await Promise.all([
      this.bounded(this.jobs.depth()).catch(() => undefined),
      this.bounded(this.relay.backlog()).catch(() => undefined),
    ]);
    const details = { depth, outboxPending: outbox?.pending, outboxLagMs: outbox?.oldestAgeMs };
    if (depth === undefined)
      return session.up({ degraded: true, state: 'unreachable', ...details });
    return session.up(details);
  }
  // pattern:queue:end

  // pattern:breakers:begin
  /** Every circuit breaker's state (primary, each replica, the cache's and the limiter's Redis). */
  breakers(key: string) {
    const states = this.breakerBoard.snapshot();
    const degraded = Object.values(states).some((state) => state !== 'closed');
    return this.indicator.check(key).up({ degraded, ...states });
  }
  // pattern:breakers:end

  onApplicationShutdown(): void {
    this.redisClient.disconnect();
  }

  private bounded<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer in ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }
}
