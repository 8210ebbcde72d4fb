import { PatternManifest } from '../pattern-manifest';

export const breakers: PatternManifest = {
  name: 'breakers',
  summary:
    "circuit breakers on the primary and the rate limiter's Redis, one board (libs/resilience breakers.ts)",
  paths: [
    'libs/resilience/src/breakers.ts',
    'libs/resilience/src/breakers.spec.ts',
    'libs/resilience/src/resilience.errors.ts',
    'test/e2e/resilience-faults.e2e-spec.ts',
    'scripts/experiments/member-outages.ts',
    'docker/prometheus/rules/tests/resilience.test.yaml',
  ],
  dependencies: ['cockatiel'],
  scripts: [],
  jsonKeys: [],
  jsonItems: [
    {
      file: 'docker/grafana/dashboards/docscale.json',
      path: ['panels'],
      containing: ['docscale_breaker_state'],
    },
    {
      file: 'docker/grafana/dashboards/docscale.json',
      path: ['annotations', 'list'],
      containing: ['docscale_breaker_state'],
    },
  ],
  // The circuit-open problem leaves the API description.
  afterwards: [['npm', 'run', '-s', 'openapi']],
  notes: [
    'The database lib runs statements through its pass-through CallPolicy: a dead primary costs each write its connect timeout.',
    'The cache keeps its own Redis breaker; the rate limiter asks Redis on every request, within RATE_LIMIT_REDIS_TIMEOUT_MS.',
  ],
};
