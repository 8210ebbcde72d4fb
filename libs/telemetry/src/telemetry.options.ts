import type { SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * How requests are traced.
 * - `docscale` tracing: head sampling decided once per request at the HTTP edge; pg and Redis
 *   spans only inside a sampled trace. An unsampled request pays one `Math.random()` compare.
 * - `stock`: the naive setup (NodeSDK with the HTTP, pg and ioredis auto-instrumentations).
 *   Kept only as the benchmark anchor that `docscale` tracing must beat.
 * - `off`: no tracer provider at all; metrics and logs still work.
 */
export type TracingMode = 'off' | 'docscale' | 'stock';

/** Options of {@link startTelemetry}; the app maps its validated configuration onto them. */
export interface TelemetryOptions {
  /** `service.name` on every span, every pushed metric and the Prometheus `target_info` series. */
  serviceName: string;
  /**
   * `service.version` beside it (docscale: package.json's version, read once at start).
   * @defaultValue undefined (no attribute)
   */
  serviceVersion?: string;
  /**
   * `service.instance.id` beside it: what tells two processes of one service apart in a trace, a
   * metric series (`target_info{service_instance_id=...}`) or a log line (docscale: INSTANCE_ID).
   * @defaultValue undefined (no attribute)
   */
  serviceInstanceId?: string;
  /**
   * Further resource attributes (docscale: OTEL_RESOURCE_ATTRIBUTES, parsed by its config), e.g.
   * `deployment.environment.name`. The three above win over a key of the same name here: one
   * instance id must name the process in traces, metrics, logs and its database sessions alike.
   * @defaultValue {}
   */
  resourceAttributes?: Readonly<Record<string, string>>;
  /**
   * How requests are traced (see {@link TracingMode}).
   * @defaultValue 'docscale' (edge-sampled tracing)
   */
  tracing?: TracingMode;
  /**
   * Share of requests that start a trace, from 0 (none) to 1 (all), among those without a
   * `traceparent` from a trusted peer. A request carrying one from a trusted peer follows its
   * sampled flag instead.
   * @defaultValue 0.1
   */
  traceSampleRatio?: number;
  /**
   * Direct peers (socket addresses, not forwarded ones) whose `traceparent` is followed, parent
   * and sampled flag: proxy-addr's syntax as a comma-separated string or a list (`loopback`,
   * `uniquelocal`, CIDRs), `true` for everyone, `false` for no one. Anyone else's `traceparent`
   * only becomes a link of a trace sampled at the ratio ('docscale' tracing; 'stock' follows
   * every `traceparent`).
   * @defaultValue 'loopback'
   */
  traceContextTrust?: boolean | string | readonly string[];
  /**
   * Base URL of an OTLP/HTTP collector (`http://localhost:4318`); `/v1/traces` (and, with
   * `otlpMetrics`, `/v1/metrics`) is appended. Unset: sampled spans are built (their ids reach the
   * logs) but not exported, and metrics are only pulled through `GET /metrics`.
   * @defaultValue undefined
   */
  otlpEndpoint?: string;
  /**
   * Where finished spans go instead of OTLP, through a `SimpleSpanProcessor` (one export per
   * span). Tests pass an `InMemorySpanExporter`. Takes precedence over `otlpEndpoint` for traces.
   * @defaultValue undefined
   */
  spanExporter?: SpanExporter;
  /**
   * Record metrics (RED per route and whatever other libs register through `Metrics`). Off: every
   * meter is a no-op and `GET /metrics` answers 404.
   * @defaultValue true
   */
  metrics?: boolean;
  /**
   * Push the metrics to `otlpEndpoint` too, every `otlpMetricIntervalMs`. Off by default:
   * Prometheus pulls `GET /metrics`, and a push nobody stores only costs the process and the
   * collector; turn it on for a collector whose metrics pipeline ends in a real backend.
   * @defaultValue false
   */
  otlpMetrics?: boolean;
  /**
   * Interval between two pushes of the metrics to the OTLP collector, in milliseconds. Only used
   * with `otlpMetrics` and `otlpEndpoint`; Prometheus pulls whenever it scrapes.
   * @defaultValue 15000
   */
  otlpMetricIntervalMs?: number;
}

/** {@link TelemetryOptions} with every default applied. */
export interface ResolvedTelemetryOptions extends Required<
  Omit<TelemetryOptions, 'otlpEndpoint' | 'spanExporter' | 'serviceVersion' | 'serviceInstanceId'>
> {
  serviceVersion: string | undefined;
  serviceInstanceId: string | undefined;
  otlpEndpoint: string | undefined;
  spanExporter: SpanExporter | undefined;
}

/** Applies the defaults and rejects values that would silently trace nothing or everything. */
export function resolveTelemetryOptions(options: TelemetryOptions): ResolvedTelemetryOptions {
  const resolved: ResolvedTelemetryOptions = {
    serviceName: options.serviceName,
    serviceVersion: options.serviceVersion,
    serviceInstanceId: options.serviceInstanceId,
    resourceAttributes: options.resourceAttributes ?? {},
    tracing: options.tracing ?? 'docscale',
    traceSampleRatio: options.traceSampleRatio ?? 0.1,
    traceContextTrust: options.traceContextTrust ?? 'loopback',
    otlpEndpoint: options.otlpEndpoint?.replace(/\/+$/, ''),
    spanExporter: options.spanExporter,
    metrics: options.metrics ?? true,
    otlpMetrics: options.otlpMetrics ?? false,
    otlpMetricIntervalMs: options.otlpMetricIntervalMs ?? 15_000,
  };
  const ratio = resolved.traceSampleRatio;
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new RangeError(
      `traceSampleRatio must be a number from 0 to 1, got ${ratio}: set TELEMETRY_TRACE_SAMPLE_RATIO to e.g. 0.1 (10% of requests).`,
    );
  }
  if (!['off', 'docscale', 'stock'].includes(resolved.tracing)) {
    throw new RangeError(
      `tracing must be 'docscale', 'stock' or 'off', got '${resolved.tracing}': set TELEMETRY_TRACING accordingly.`,
    );
  }
  if (!(resolved.otlpMetricIntervalMs > 0)) {
    throw new RangeError(
      `otlpMetricIntervalMs must be a positive number of milliseconds, got ${resolved.otlpMetricIntervalMs}.`,
    );
  }
  return resolved;
}
