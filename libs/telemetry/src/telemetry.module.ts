import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { Metrics } from './metrics';
import { currentTelemetry, TelemetryHandle } from './telemetry-handle';
import {
  ConfigurableTelemetryModule,
  TELEMETRY_MODULE_OPTIONS,
  type TelemetryModuleOptions,
} from './telemetry.module-definition';

/**
 * Serves `GET /metrics` and makes the running telemetry injectable: `TelemetryHandle` (token of
 * the same name) and `Metrics` for other libs' instruments. Starting telemetry is not its job:
 * that happens in the preload, before Nest is loaded.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: TelemetryHandle,
      inject: [TELEMETRY_MODULE_OPTIONS],
      useFactory: (options: TelemetryModuleOptions) => options.telemetry ?? currentTelemetry(),
    },
    {
      provide: Metrics,
      inject: [TelemetryHandle],
      useFactory: (telemetry: TelemetryHandle) => telemetry.metrics,
    },
  ],
  exports: [TelemetryHandle, Metrics],
})
export class TelemetryModule extends ConfigurableTelemetryModule {}
