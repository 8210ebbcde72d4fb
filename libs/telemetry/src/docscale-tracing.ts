/**
 * 'docscale' tracing: a tracer provider whose spans only exist inside traces the HTTP edge chose
 * to sample.
 *
 * Problem: the stock HTTP auto-instrumentation wraps every request in a span, context and
 * attribute set before sampling can say no, and cut a bare Fastify route's throughput by about
 * 65% even at 10% sampling. Mechanism: no HTTP instrumentation here; `tracedServerFactory`
 * decides once per request and starts a SERVER span only for sampled ones. pg and ioredis are
 * instrumented with `requireParentSpan: true`: their patched `query()`/`sendCommand()` first look
 * for a span in the active context (an AsyncLocalStorage read and a Map lookup) and, finding
 * none, call straight through, so an unsampled request creates no span, context or attributes.
 * Failure mode: work that runs outside the request's async context (a callback registered before
 * the request, a pooled resource that lost its context) is not traced, even in a sampled trace.
 */
import {
  context,
  createNoopMeter,
  propagation,
  trace,
  type MeterProvider,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { Resource } from '@opentelemetry/resources';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { edgeSampler } from './edge-sampler';
import { spanProcessorsFor } from './span-processors';
import type { ResolvedTelemetryOptions } from './telemetry.options';

export interface RunningTracing {
  /** Tracer of the edge SERVER spans (undefined for 'stock', whose HTTP instrumentation makes its own). */
  readonly tracer: Tracer | undefined;
  shutdown(): Promise<void>;
}

export const TRACER_NAME = '@docscale/telemetry';

/**
 * pg would also record query durations, but only for the sampled queries: a histogram of 10% of
 * the traffic that looks like all of it misleads more than it helps. Database metrics come from
 * the database lib, which sees every query.
 */
const NO_METRICS: MeterProvider = { getMeter: () => createNoopMeter() };

export function startDocscaleTracing(
  options: ResolvedTelemetryOptions,
  resource: Resource,
): RunningTracing {
  const provider = new TracerProvider({
    resource,
    sampler: edgeSampler(options.traceSampleRatio),
    spanProcessors: spanProcessorsFor(options),
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const registered =
    trace.setGlobalTracerProvider(provider) &&
    context.setGlobalContextManager(contextManager) &&
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (!registered) {
    throw new Error(
      'Another OpenTelemetry tracer provider, context manager or propagator is already registered in this process: start telemetry only through startTelemetry(), once, from the preload.',
    );
  }
  const unpatch = registerInstrumentations({
    tracerProvider: provider,
    meterProvider: NO_METRICS,
    instrumentations: [
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  return {
    tracer: provider.getTracer(TRACER_NAME),
    async shutdown() {
      unpatch();
      await provider.shutdown();
    },
  };
}
