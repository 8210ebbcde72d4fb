import { PatternManifest } from '../pattern-manifest';

const LIB = 'libs/telemetry/src';
/** The SDK side of the lib; the logger and PreAggregatedCounter stay (other libs use them). */
const SDK_FILES = [
  'start-telemetry.ts',
  'start-telemetry.spec.ts',
  'docscale-tracing.ts',
  'stock-tracing.ts',
  'edge-sampler.ts',
  'span-processors.ts',
  'metric-readers.ts',
  'metrics.controller.ts',
  'metrics.ts',
  'telemetry-handle.ts',
  'telemetry.module.ts',
  'telemetry.module-definition.ts',
  'telemetry.module.spec.ts',
  'telemetry.options.ts',
  'telemetry.fixture.ts',
  'traced-server-factory.ts',
  'traced-server-factory.spec.ts',
  'trace-context-trust.ts',
  'trace-context-trust.spec.ts',
  'http-telemetry.ts',
  'http-telemetry.spec.ts',
  'http-server-metrics.ts',
  'http-server-metrics.spec.ts',
  'gc-pauses.ts',
  'gc-pauses.spec.ts',
];

export const telemetry: PatternManifest = {
  name: 'telemetry',
  summary:
    'OpenTelemetry tracing, RED metrics and /metrics, the collector, Jaeger, Prometheus, Alertmanager and Grafana',
  paths: [
    ...SDK_FILES.map((file) => `${LIB}/${file}`),
    'docs/patterns/telemetry.md',
    'test/e2e/telemetry.e2e-spec.ts',
    'test/e2e/otlp-export.e2e-spec.ts',
    'test/e2e/queue-telemetry.e2e-spec.ts',
    // Other suites read /metrics only inside pattern:telemetry regions, or observe through
    // /health/ready (test/helpers/readiness.ts).
    'test/helpers/metrics.ts',
    'test/helpers/otlp-receiver.ts',
    'scripts/experiments/bench/telemetry.ts',
    'docker/otel-collector',
    'docker/grafana',
    // Alertmanager and its logging receiver: nothing fires without Prometheus.
    'docker/alertmanager',
    'test/deploy/alertmanager.spec.ts',
    // No process exports a metric any more: Prometheus, its rules and the suites that check
    // them against the code's instruments go too.
    'docker/prometheus',
    'test/deploy/alerts.spec.ts',
    'test/deploy/dashboards.spec.ts',
    'test/deploy/compose-telemetry.spec.ts',
    'test/deploy/prometheus-config.ts',
    'test/deploy/metric-names.ts',
    'test/deploy/metric-names.spec.ts',
  ],
  // Each goes only if nothing left imports it (other libs' specs measure with sdk-metrics).
  dependencies: [
    '@opentelemetry/context-async-hooks',
    '@opentelemetry/core',
    '@opentelemetry/exporter-metrics-otlp-http',
    '@opentelemetry/exporter-prometheus',
    '@opentelemetry/exporter-trace-otlp-http',
    '@opentelemetry/instrumentation',
    '@opentelemetry/instrumentation-http',
    '@opentelemetry/instrumentation-ioredis',
    '@opentelemetry/instrumentation-pg',
    '@opentelemetry/resources',
    '@opentelemetry/sdk-metrics',
    '@opentelemetry/sdk-node',
    '@opentelemetry/sdk-trace',
    '@opentelemetry/semantic-conventions',
  ],
  scripts: ['bench:telemetry'],
  jsonKeys: [],
  afterwards: [],
  notes: [
    'libs/telemetry keeps the logger and PreAggregatedCounter: other libs measure through the OpenTelemetry API, a no-op without an SDK.',
    'KEDA scales the workers on their CPU instead of docscale_queue_depth (k8s/base/worker-scaledobject.yaml).',
    'The e2e suites that observed other patterns through /metrics keep their other assertions; readiness (/health/ready) still reports each dependency.',
  ],
};
