import { Database } from '@docscale/database';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { AppConfig } from '../config';

/**
 * Dependency checks for readiness. Only the primary is critical: without it the service cannot
 * write. A replica or Redis that is down degrades the service (reads fall back to the primary,
 * the cache is bypassed) but does not make this instance unfit for traffic, and taking every
 * instance out of the balancer because a shared dependency blinked would turn a degradation into
 * an outage. They are reported as `up` with `degraded: true` and the reason.
 */
@Injectable()
export class DependencyHealth implements OnApplicationShutdown {
  private readonly redisClient: Redis;

  constructor(
    private readonly db: Database,
    private readonly indicator: HealthIndicatorService,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.redisClient = new Redis(config.env.REDIS_URL, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: config.env.REDIS_COMMAND_TIMEOUT_MS,
    });
    this.redisClient.on('error', () => undefined); // reported through readiness
  }

  async primary(key: string) {
    const session = this.indicator.check(key);
    try {
      await this.db.pingPrimary();
      return session.up();
    } catch (err) {
      return session.down({ error: (err as Error).message });
    }
  }

  async replicas(key: string) {
    const session = this.indicator.check(key);
    const members = await this.db.replicaStatus().catch(() => []);
    const degraded = members.some((m) => !m.reachable || m.error);
    return session.up({ degraded, members });
  }

  async redis(key: string) {
    const session = this.indicator.check(key);
    try {
      if (this.redisClient.status === 'wait' || this.redisClient.status === 'end') {
        await this.redisClient.connect();
      }
      await this.redisClient.ping();
      return session.up();
    } catch (err) {
      return session.up({ degraded: true, error: (err as Error).message });
    }
  }

  onApplicationShutdown(): void {
    this.redisClient.disconnect();
  }
}
