import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { DependencyHealth } from './dependency.health';
import { Lifecycle } from './lifecycle';

/**
 * Liveness says the process can serve at all (no dependency is checked: restarting a process
 * because Postgres is down helps nobody). Readiness says this instance should get traffic: it
 * fails while the instance shuts down, and reports (without failing) every dependency's state.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly dependencies: DependencyHealth,
    private readonly lifecycle: Lifecycle,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.lifecycle.check('lifecycle'),
      () => this.dependencies.primary('primary'),
      () => this.dependencies.replicas('replicas'),
      () => this.dependencies.redis('redis'),
      () => this.dependencies.queue('queue'),
      () => this.dependencies.breakers('breakers'),
    ]);
  }
}
