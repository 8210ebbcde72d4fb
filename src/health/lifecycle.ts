import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { setTimeout as delay } from 'node:timers/promises';
import { AppConfig } from '../config';

/**
 * Turns readiness off as soon as shutdown starts, then keeps serving for SHUTDOWN_DRAIN_DELAY_MS
 * before the listener closes: the balancer needs a probe period or two to notice and stop sending
 * new requests. (A deliberate wait, not a test synchronisation: nothing observable ends it.)
 */
@Injectable()
export class Lifecycle implements BeforeApplicationShutdown {
  private shuttingDown = false;

  constructor(
    private readonly indicator: HealthIndicatorService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    const drainMs = this.config.env.SHUTDOWN_DRAIN_DELAY_MS;
    if (drainMs > 0) await delay(drainMs);
  }

  check(key: string) {
    const session = this.indicator.check(key);
    return this.shuttingDown ? session.down({ state: 'shutting-down' }) : session.up();
  }
}
