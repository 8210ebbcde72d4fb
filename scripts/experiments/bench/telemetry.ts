/**
 * `npm run bench:telemetry`: what telemetry costs, measured as ratios within one run (see
 * comparison.ts for how). Every variant leaves the cache at its default, on, so most requests are
 * served from L1; `npm run bench:cache` measures the cache itself.
 *
 * Exports go to a sink in this process (on core 1 with the load generator) that accepts OTLP
 * and answers 200, so the cost measured is the server's, not a collector's.
 */
import { runComparison, Variant } from './comparison';
import { otlpSink } from './otlp-sink';

const VARIANTS: Variant[] = [
  { name: 'off', env: { TELEMETRY_TRACING: 'off', TELEMETRY_METRICS: 'off' } },
  { name: 'metrics only', env: { TELEMETRY_TRACING: 'off' } },
  {
    name: 'docscale 0%',
    env: { TELEMETRY_TRACING: 'docscale', TELEMETRY_TRACE_SAMPLE_RATIO: '0' },
  },
  {
    name: 'docscale 10%',
    env: { TELEMETRY_TRACING: 'docscale', TELEMETRY_TRACE_SAMPLE_RATIO: '0.1' },
  },
  {
    name: 'docscale 100%',
    env: { TELEMETRY_TRACING: 'docscale', TELEMETRY_TRACE_SAMPLE_RATIO: '1' },
  },
  { name: 'stock 10%', env: { TELEMETRY_TRACING: 'stock', TELEMETRY_TRACE_SAMPLE_RATIO: '0.1' } },
];

async function main(): Promise<void> {
  const sink = await otlpSink();
  try {
    await runComparison({
      command: 'bench:telemetry',
      tenant: 'bench-telemetry',
      workload: 'GET /v1/documents/:id (auth + one primary-key select)',
      variants: VARIANTS,
      baseline: 'off',
      extraEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url },
    });
  } finally {
    sink.close();
  }
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});
