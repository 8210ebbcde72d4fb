/**
 * The telemetry lib's configuration keys (docs: libs/telemetry/README.md) and the mappings from
 * them to its options: the SDK started before Nest, and the logger.
 */
import { configFragment, onOff, type FragmentEnv } from '@docscale/pattern-kit';
import { trustList } from '@docscale/pattern-kit'; // pattern:telemetry
import { z } from 'zod';
import type { LoggerOptions } from './logger-params';
import type { TelemetryOptions } from './telemetry.options'; // pattern:telemetry

export const telemetryConfig = configFragment({
  shape: {
    // pattern:telemetry:begin
    TELEMETRY_TRACING: z.enum(['docscale', 'stock', 'off']).default('docscale'),
    TELEMETRY_TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(0.1),
    // Peers whose `traceparent` decides sampling and parent (same syntax); unset: TRUST_PROXY's.
    TRACE_CONTEXT_TRUST: trustList('TRACE_CONTEXT_TRUST').optional(),
    TELEMETRY_METRICS: onOff.default(true),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('docscale'),
    // pattern:telemetry:end
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    LOG_HTTP: onOff.default(false),
  },
  // pattern:telemetry:begin
  check: (c, { production }) => [
    production &&
      c.TELEMETRY_TRACING === 'stock' && {
        key: 'TELEMETRY_TRACING',
        message:
          "'stock' is the benchmark anchor (it follows any client's traceparent and records query strings): use 'docscale' or 'off' when NODE_ENV=production",
      },
  ],
  // pattern:telemetry:end
});

export type TelemetryEnv = FragmentEnv<typeof telemetryConfig>;

// pattern:telemetry:begin
/**
 * `trustProxy`: the proxies the app trusts with X-Forwarded-For are, unless TRACE_CONTEXT_TRUST
 * says otherwise, the ones trusted to pass a trace context on: one list to keep right per
 * deployment.
 */
export function telemetryOptionsFrom(
  env: TelemetryEnv,
  { trustProxy }: { trustProxy: boolean | string },
): TelemetryOptions {
  return {
    serviceName: env.OTEL_SERVICE_NAME,
    tracing: env.TELEMETRY_TRACING,
    traceSampleRatio: env.TELEMETRY_TRACE_SAMPLE_RATIO,
    traceContextTrust: env.TRACE_CONTEXT_TRUST ?? trustProxy,
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    metrics: env.TELEMETRY_METRICS,
  };
}
// pattern:telemetry:end

export function loggerOptionsFrom(env: TelemetryEnv): LoggerOptions {
  return { level: env.LOG_LEVEL, httpLogs: env.LOG_HTTP };
}
