/**
 * The first module each entry point loads: reads and validates the configuration, then starts
 * OpenTelemetry before Nest, pg or ioredis are required (instrumentation patches them on load).
 * A configuration error stops the process here, with a message naming each bad variable.
 */
import { startTelemetry } from '@docscale/telemetry';
import { AppConfig, ConfigError } from './config';

function loadOrExit(): AppConfig {
  try {
    return AppConfig.load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

export const config = loadOrExit();

export const telemetry = startTelemetry({
  serviceName: config.env.OTEL_SERVICE_NAME,
  tracing: config.env.TELEMETRY_TRACING,
  traceSampleRatio: config.env.TELEMETRY_TRACE_SAMPLE_RATIO,
  // The proxies trusted with X-Forwarded-For are, unless told otherwise, the ones trusted to pass
  // a trace context on: one list to keep right per deployment.
  traceContextTrust: config.env.TRACE_CONTEXT_TRUST ?? config.env.TRUST_PROXY,
  otlpEndpoint: config.env.OTEL_EXPORTER_OTLP_ENDPOINT,
  metrics: config.env.TELEMETRY_METRICS,
});
