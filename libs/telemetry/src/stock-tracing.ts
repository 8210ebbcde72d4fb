/**
 * 'stock' tracing: the setup most services copy from the OpenTelemetry docs (NodeSDK with the
 * HTTP, pg and ioredis auto-instrumentations and a parent-based ratio sampler). docscale never
 * runs it in production; it is the anchor the 'docscale' mode is benchmarked against
 * (`npm run bench:telemetry`), so it stays deliberately naive: every request gets a span object,
 * a context and its attributes before the sampler runs, pg creates spans outside traces, and the
 * HTTP instrumentation records its own `http.server.request.duration`.
 */
import { metrics, type MeterProvider } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { Resource } from '@opentelemetry/resources';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import type { RunningTracing } from './docscale-tracing';
import { spanProcessorsFor } from './span-processors';
import type { ResolvedTelemetryOptions } from './telemetry.options';

export interface RunningStockTracing extends RunningTracing {
  /** NodeSDK builds the meter provider itself when it is given readers. */
  readonly meterProvider: MeterProvider | undefined;
}

export function startStockTracing(
  options: ResolvedTelemetryOptions,
  resource: Resource,
  metricReaders: MetricReader[],
): RunningStockTracing {
  const instrumentations = [
    new HttpInstrumentation(),
    new PgInstrumentation(),
    new IORedisInstrumentation(),
  ];
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    sampler: new ParentBasedSampler({
      root: new TraceIdRatioBasedSampler(options.traceSampleRatio),
    }),
    spanProcessors: spanProcessorsFor(options),
    // Explicit empty lists: left undefined, NodeSDK would start OTLP exporters from the environment.
    metricReaders,
    logRecordProcessors: [],
    instrumentations,
  });
  sdk.start();
  return {
    tracer: undefined,
    meterProvider: metricReaders.length > 0 ? metrics.getMeterProvider() : undefined,
    async shutdown() {
      // NodeSDK.shutdown() flushes but leaves the modules patched.
      for (const instrumentation of instrumentations) instrumentation.disable();
      await sdk.shutdown();
    },
  };
}
