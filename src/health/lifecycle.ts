import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

/** Turns readiness off as soon as shutdown starts, so a balancer stops sending new requests. */
@Injectable()
export class Lifecycle implements BeforeApplicationShutdown {
  private shuttingDown = false;

  constructor(private readonly indicator: HealthIndicatorService) {}

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  check(key: string) {
    const session = this.indicator.check(key);
    return this.shuttingDown ? session.down({ state: 'shutting-down' }) : session.up();
  }
}
