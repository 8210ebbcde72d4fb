import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { diag } from '@opentelemetry/api';
import {
  PeriodicExportingMetricReader,
  type MetricProducer,
  type MetricReader,
} from '@opentelemetry/sdk-metrics';
import type { ResolvedTelemetryOptions } from './telemetry.options';

/** The content type Prometheus expects from a text scrape. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricReaders {
  readonly all: MetricReader[];
  /** Renders the Prometheus exposition on demand (pull: docscale serves it on the API port). */
  text(): Promise<string>;
}

/**
 * A Prometheus reader that never opens its own port (the app's `GET /metrics` serves it; the
 * resource is its `target_info` series), plus a periodic OTLP push when asked for
 * (`otlpMetrics`) and a collector is configured. `producers` add metrics recorded
 * outside the SDK (the HTTP RED store) to both.
 */
export function createMetricReaders(
  options: ResolvedTelemetryOptions,
  producers: MetricProducer[],
): MetricReaders {
  const prometheus = new PrometheusExporter({
    preventServerStart: true,
    metricProducers: producers,
  });
  const serializer = new PrometheusSerializer();
  const all: MetricReader[] = [prometheus];
  if (options.otlpMetrics && options.otlpEndpoint !== undefined) {
    all.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${options.otlpEndpoint}/v1/metrics` }),
        exportIntervalMillis: options.otlpMetricIntervalMs,
        exportTimeoutMillis: Math.min(options.otlpMetricIntervalMs, 30_000),
        metricProducers: producers,
      }),
    );
  }
  return {
    all,
    async text() {
      const { resourceMetrics, errors } = await prometheus.collect();
      // A failing observable callback must not take the whole scrape down with it.
      if (errors.length > 0) diag.error('telemetry: errors while collecting metrics', ...errors);
      return serializer.serialize(resourceMetrics);
    },
  };
}
