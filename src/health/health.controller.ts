import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../openapi/api-responses';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { DependencyHealth } from './dependency.health';
import { Lifecycle } from './lifecycle';

/**
 * Liveness says the process can serve at all (no dependency is checked: restarting a process
 * because Postgres is down helps nobody). Readiness says this instance should get traffic: it
 * fails while the instance shuts down, and reports (without failing) every dependency's state.
 */
/** Terminus's report of a passing check. */
const HEALTH_REPORT = {
  type: 'object',
  required: ['status', 'details'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    info: { type: 'object', additionalProperties: true },
    error: { type: 'object', additionalProperties: true },
    details: { type: 'object', additionalProperties: true },
  },
};

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly dependencies: DependencyHealth,
    private readonly lifecycle: Lifecycle,
  ) {}

  @Get('live')
  // Answered here, not by terminus's check(): with no check to fail, terminus would still answer
  // 503 from the moment shutdown begins, while the process keeps serving its requests in flight.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiResponse({ status: 200, description: 'The process serves.', schema: HEALTH_REPORT })
  @ApiProblem(500)
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness: the process can serve' })
  live() {
    return { status: 'ok', info: {}, error: {}, details: {} };
  }

  @Get('ready')
  // Documented here rather than by terminus: a shutting-down instance answers a problem (the
  // report in its `health` member), not terminus's 503 report.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiResponse({
    status: 200,
    description: "Ready; each dependency's state in `details` (a dependency down is `degraded`).",
    schema: HEALTH_REPORT,
  })
  @ApiProblem(503, ['not-ready'])
  @ApiOperation({
    operationId: 'getReadiness',
    summary: "Readiness: this instance should get traffic (each dependency's state reported)",
  })
  ready() {
    return this.health.check([
      () => this.lifecycle.check('lifecycle'),
      () => this.dependencies.primary('primary'),
      // pattern:read-replicas:begin
      () => this.dependencies.replicas('replicas'),
      // pattern:read-replicas:end
      () => this.dependencies.redis('redis'),
      () => this.dependencies.cache('cache'), // pattern:cache
      // pattern:queue:begin
      () => this.dependencies.queue('queue'),
      // pattern:queue:end
      () => this.dependencies.breakers('breakers'), // pattern:breakers
    ]);
  }
}
