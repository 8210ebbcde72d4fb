import type { Tracer } from '@opentelemetry/api';
import type { HttpServerMetrics } from './http-server-metrics';
import { Metrics } from './metrics';
import type { TracingMode } from './telemetry.options';
import type { TraceContextTrust } from './trace-context-trust';

/** What `startTelemetry()` returns: the running telemetry of this process. */
export interface TelemetryHandle {
  readonly tracing: TracingMode;
  /** Share of requests without a `traceparent` that start a trace (0..1). */
  readonly traceSampleRatio: number;
  readonly metricsEnabled: boolean;
  /** Meters for other libs' instruments. */
  readonly metrics: Metrics;
  /** The Prometheus text exposition (format 0.0.4) of every metric; empty when metrics are off. */
  metricsText(): Promise<string>;
  /** Flushes spans and metrics, unpatches pg/ioredis/http and unregisters the OpenTelemetry globals. */
  shutdown(): Promise<void>;
}

/** Nest injection token of the {@link TelemetryHandle}. */
export const TelemetryHandle = Symbol('TelemetryHandle');

/** What the HTTP pieces need from a running telemetry; kept off the public type. */
export interface TelemetryInternals {
  /** Tracer of the edge SERVER spans; undefined unless tracing is 'docscale'. */
  readonly tracer: Tracer | undefined;
  /** RED metrics store; undefined when metrics are off or when 'stock' records them itself. */
  readonly httpMetrics: HttpServerMetrics | undefined;
  /** Whether a request's direct peer may set its trace parent and sampling decision. */
  readonly trustsTraceContext: TraceContextTrust;
}

const internals = new WeakMap<TelemetryHandle, TelemetryInternals>();
const NONE: TelemetryInternals = {
  tracer: undefined,
  httpMetrics: undefined,
  trustsTraceContext: () => false,
};

export function attachInternals(handle: TelemetryHandle, value: TelemetryInternals): void {
  internals.set(handle, value);
}

export function internalsOf(handle: TelemetryHandle): TelemetryInternals {
  return internals.get(handle) ?? NONE;
}

/** What a process that never called `startTelemetry()` gets: everything off, nothing to stop. */
export const TELEMETRY_OFF: TelemetryHandle = Object.freeze({
  tracing: 'off',
  traceSampleRatio: 0,
  metricsEnabled: false,
  metrics: new Metrics(undefined),
  metricsText: () => Promise.resolve(''),
  shutdown: () => Promise.resolve(),
});

let running: TelemetryHandle | undefined;

/**
 * The telemetry `startTelemetry()` started in this process, or {@link TELEMETRY_OFF} if it was
 * never called (a template user who deleted the preload still gets a working app).
 */
export function currentTelemetry(): TelemetryHandle {
  return running ?? TELEMETRY_OFF;
}

export function setRunning(handle: TelemetryHandle | undefined): void {
  running = handle;
}
