// pattern:telemetry:begin
export { startTelemetry, TelemetryAlreadyStartedError } from './start-telemetry';
export { currentTelemetry, TelemetryHandle } from './telemetry-handle';
export type { TelemetryOptions, TracingMode } from './telemetry.options';
export { tracedServerFactory } from './traced-server-factory';
export type { HttpServerFactory } from './traced-server-factory';
export { registerHttpTelemetry } from './http-telemetry';
export type { HttpTelemetryTarget } from './http-telemetry';
export { Metrics } from './metrics';
export { TelemetryModule } from './telemetry.module';
export type { TelemetryModuleOptions } from './telemetry.module-definition';
export { telemetryOptionsFrom } from './telemetry.config';
// pattern:telemetry:end
// What stays after `npm run pattern:remove -- telemetry`: the logger, and the counter the other
// libs' instruments use (the OpenTelemetry API without an SDK: each measurement a no-op or an add).
export { loggerParams, traceLogFields } from './logger-params';
export type { LoggerOptions } from './logger-params';
export { byKey, CounterSeries, PreAggregatedCounter } from './pre-aggregated-counter';
export { loggerOptionsFrom, telemetryConfig } from './telemetry.config';
