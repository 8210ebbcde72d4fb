import { Controller, Get, Header, Inject, NotFoundException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PROMETHEUS_CONTENT_TYPE } from './metric-readers';
import { TelemetryHandle } from './telemetry-handle';

/**
 * `GET /metrics`: the Prometheus scrape target, served by the app's own HTTP server (no separate
 * exporter); which listener answers it is the app's choice (docscale's API: its operator listener).
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(TelemetryHandle) private readonly telemetry: TelemetryHandle) {}

  @Get()
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    if (!this.telemetry.metricsEnabled) {
      throw new NotFoundException(
        'Metrics are off in this process: set TELEMETRY_METRICS=on to serve them here.',
      );
    }
    return this.telemetry.metricsText();
  }
}
