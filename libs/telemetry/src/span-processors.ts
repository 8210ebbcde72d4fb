import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { ResolvedTelemetryOptions } from './telemetry.options';

/**
 * Where finished spans go: the given exporter one by one (tests), else batched to the OTLP
 * collector, else nowhere. Sampled spans are still built without an exporter: their ids reach
 * the logs, and a benchmark without a collector still pays for building them.
 */
export function spanProcessorsFor(options: ResolvedTelemetryOptions): SpanProcessor[] {
  if (options.spanExporter !== undefined)
    return [new SimpleSpanProcessor({ exporter: options.spanExporter })];
  if (options.otlpEndpoint !== undefined) {
    return [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${options.otlpEndpoint}/v1/traces` }),
      }),
    ];
  }
  return [new NoopSpanProcessor()];
}
