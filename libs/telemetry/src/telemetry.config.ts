/**
 * The telemetry lib's configuration keys (docs: libs/telemetry/README.md) and the mappings from
 * them to its options: the SDK started before Nest, and the logger.
 */
import { configFragment, onOff, type FragmentEnv } from '@docscale/pattern-kit';
import { trustList } from '@docscale/pattern-kit'; // pattern:telemetry
import { z } from 'zod';
import type { LoggerOptions } from './logger-params';
import type { TelemetryOptions } from './telemetry.options'; // pattern:telemetry

// pattern:telemetry:begin
/**
 * OTEL_RESOURCE_ATTRIBUTES as the OpenTelemetry spec writes it (`key=value,key=value`, `,` and `=`
 * percent-encoded), parsed here rather than by the SDK's detector: the detector reads process.env
 * itself and drops a malformed value with a debug line, where a bad value of any other key stops
 * the process naming it.
 */
const resourceAttributes = z.string().transform((raw, ctx) => {
  const attributes: Record<string, string> = {};
  for (const pair of raw.split(',').filter((p) => p.trim() !== '')) {
    const parts = pair.split('=').map((p) => p.trim());
    const decoded = parts.length === 2 && parts[0] !== '' ? decodeAll(parts) : undefined;
    if (decoded === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `'${pair}' is not key=value (percent-encode ',' and '=' inside keys and values)`,
      });
      return z.NEVER;
    }
    attributes[decoded[0]!] = decoded[1]!;
  }
  return attributes;
});

function decodeAll(parts: string[]): string[] | undefined {
  try {
    return parts.map((p) => decodeURIComponent(p));
  } catch {
    return undefined; // a malformed %-sequence
  }
}
// pattern:telemetry:end

export const telemetryConfig = configFragment({
  shape: {
    // pattern:telemetry:begin
    TELEMETRY_TRACING: z.enum(['docscale', 'stock', 'off']).default('docscale'),
    TELEMETRY_TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(0.1),
    // Peers whose `traceparent` decides sampling and parent (same syntax); unset: TRUST_PROXY's.
    TRACE_CONTEXT_TRUST: trustList('TRACE_CONTEXT_TRUST').optional(),
    TELEMETRY_METRICS: onOff.default(true),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    // Push metrics to the collector as well: off, Prometheus pulls GET /metrics.
    TELEMETRY_METRICS_OTLP: onOff.default(false),
    OTEL_SERVICE_NAME: z.string().min(1).default('docscale'),
    OTEL_RESOURCE_ATTRIBUTES: resourceAttributes.optional(),
    // pattern:telemetry:end
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    LOG_HTTP: onOff.default(false),
  },
  // pattern:telemetry:begin
  check: (c, { production }) => [
    c.TELEMETRY_METRICS_OTLP &&
      c.OTEL_EXPORTER_OTLP_ENDPOINT === undefined && {
        key: 'TELEMETRY_METRICS_OTLP',
        message:
          'pushing metrics needs a collector: set OTEL_EXPORTER_OTLP_ENDPOINT, or leave TELEMETRY_METRICS_OTLP off (Prometheus scrapes GET /metrics)',
      },
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
  { trustProxy, service }: { trustProxy: boolean | string; service: ServiceIdentity },
): TelemetryOptions {
  return {
    serviceName: env.OTEL_SERVICE_NAME,
    serviceVersion: service.version,
    serviceInstanceId: service.instanceId,
    resourceAttributes: env.OTEL_RESOURCE_ATTRIBUTES,
    tracing: env.TELEMETRY_TRACING,
    traceSampleRatio: env.TELEMETRY_TRACE_SAMPLE_RATIO,
    traceContextTrust: env.TRACE_CONTEXT_TRUST ?? trustProxy,
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    metrics: env.TELEMETRY_METRICS,
    otlpMetrics: env.TELEMETRY_METRICS_OTLP,
  };
}
// pattern:telemetry:end

/** What names this process in its logs, traces and metrics (docscale: package.json, INSTANCE_ID). */
export interface ServiceIdentity {
  readonly version: string;
  readonly instanceId: string;
}

export function loggerOptionsFrom(env: TelemetryEnv, service: ServiceIdentity): LoggerOptions {
  return { level: env.LOG_LEVEL, httpLogs: env.LOG_HTTP, service };
}
