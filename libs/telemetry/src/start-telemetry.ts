/**
 * Starts OpenTelemetry for this process: tracing in the chosen mode, the metric pipeline and the
 * globals of the OpenTelemetry API.
 *
 * Problem: instrumentation patches pg and ioredis when they are first required, and the API's
 * globals (tracer provider, context manager, propagator, meter provider) can be registered only
 * once. Mechanism: the app calls `startTelemetry()` once, from a preload module imported before
 * Nest, pg or ioredis; the returned handle is also reachable through `currentTelemetry()`.
 * `shutdown()` flushes, unpatches and unregisters the globals, so a test file can start and stop
 * telemetry. Failure mode: a second call while running throws (two providers would each see half
 * of the spans); a module required before the call is never patched and stays untraced.
 */
import { context, logs, metrics, propagation, trace, type MeterProvider } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import { startDocscaleTracing, TRACER_NAME, type RunningTracing } from './docscale-tracing';
import { observeGcPauses } from './gc-pauses';
import { HttpServerMetrics } from './http-server-metrics';
import { createMetricReaders } from './metric-readers';
import { Metrics } from './metrics';
import { startStockTracing } from './stock-tracing';
import {
  attachInternals,
  currentTelemetry,
  setRunning,
  TELEMETRY_OFF,
  type TelemetryHandle,
} from './telemetry-handle';
import {
  resolveTelemetryOptions,
  type ResolvedTelemetryOptions,
  type TelemetryOptions,
} from './telemetry.options';
import { traceContextTrust } from './trace-context-trust';

export class TelemetryAlreadyStartedError extends Error {
  constructor() {
    super(
      'startTelemetry() was already called in this process. Call it once, from the preload module, and use currentTelemetry() elsewhere; a test that restarts telemetry must await shutdown() first.',
    );
    this.name = 'TelemetryAlreadyStartedError';
  }
}

export function startTelemetry(input: TelemetryOptions): TelemetryHandle {
  if (currentTelemetry() !== TELEMETRY_OFF) throw new TelemetryAlreadyStartedError();
  const options = resolveTelemetryOptions(input);
  const trustsTraceContext = traceContextTrust(options.traceContextTrust); // throws on a typo
  const resource = telemetryResource(options);
  // 'stock' leaves RED metrics to the HTTP instrumentation, which records the same histogram.
  const httpMetrics =
    options.metrics && options.tracing !== 'stock' ? new HttpServerMetrics(TRACER_NAME) : undefined;
  const readers = options.metrics
    ? createMetricReaders(options, httpMetrics === undefined ? [] : [httpMetrics])
    : undefined;

  let meterProvider: MeterProvider | undefined;
  let sdkMeterProvider: SdkMeterProvider | undefined;
  let tracing: RunningTracing | undefined;
  try {
    if (options.tracing === 'stock') {
      const stock = startStockTracing(options, resource, readers?.all ?? []);
      tracing = stock;
      meterProvider = stock.meterProvider;
    } else {
      if (readers !== undefined) {
        meterProvider = sdkMeterProvider = new SdkMeterProvider({ resource, readers: readers.all });
        if (!metrics.setGlobalMeterProvider(sdkMeterProvider)) {
          throw new Error(
            'Another OpenTelemetry meter provider is already registered in this process: start telemetry only through startTelemetry(), once, from the preload.',
          );
        }
      }
      if (options.tracing === 'docscale') tracing = startDocscaleTracing(options, resource);
    }
  } catch (err) {
    unregisterGlobals();
    throw err;
  }

  // The evidence for a latency that no saturated resource explains (docs/experiments.md).
  const stopGcPauses = meterProvider && observeGcPauses(meterProvider.getMeter('docscale.runtime'));
  let stopping: Promise<void> | undefined;
  const handle: TelemetryHandle = {
    tracing: options.tracing,
    traceSampleRatio: options.traceSampleRatio,
    metricsEnabled: readers !== undefined,
    metrics: new Metrics(meterProvider),
    metricsText: () => (readers === undefined ? Promise.resolve('') : readers.text()),
    shutdown: () => (stopping ??= stop()),
  };
  async function stop(): Promise<void> {
    try {
      stopGcPauses?.();
      await tracing?.shutdown();
      await sdkMeterProvider?.shutdown();
    } finally {
      unregisterGlobals();
      setRunning(undefined);
    }
  }
  attachInternals(handle, {
    tracer: tracing?.tracer,
    httpMetrics,
    trustsTraceContext,
  });
  setRunning(handle);
  return handle;
}

/**
 * The resource every span and metric carries (and Prometheus's `target_info`): the extra
 * attributes first, then the service's name, version and instance id over them. Built here, with
 * no detector: the SDK's detectors read process.env themselves, and NodeSDK's ('stock') are off.
 */
function telemetryResource(options: ResolvedTelemetryOptions): Resource {
  return resourceFromAttributes({
    ...options.resourceAttributes,
    [ATTR_SERVICE_NAME]: options.serviceName,
    ...(options.serviceVersion === undefined
      ? {}
      : { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
    ...(options.serviceInstanceId === undefined
      ? {}
      : { [ATTR_SERVICE_INSTANCE_ID]: options.serviceInstanceId }),
  });
}

function unregisterGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
  metrics.disable();
  // 'stock' tracing's NodeSDK also registers a (processor-less) logger provider: since
  // OpenTelemetry JS 3 the logs API lives in @opentelemetry/api beside the others.
  logs.disable();
}
