import { PatternManifest } from '../pattern-manifest';

const DASHBOARD = 'docker/grafana/dashboards/docscale.json';

export const shedding: PatternManifest = {
  name: 'shedding',
  summary: 'load shedding: a fast 503 past saturation (libs/resilience load-shedding.ts)',
  paths: [
    'libs/resilience/src/load-shedding.ts',
    'libs/resilience/src/load-shedding.spec.ts',
    'test/e2e/overload.e2e-spec.ts',
    'scripts/experiments/overload.ts',
  ],
  dependencies: ['@fastify/under-pressure'],
  scripts: [],
  jsonKeys: [],
  jsonItems: [
    {
      file: DASHBOARD,
      path: ['panels'],
      containing: [
        'docscale_shed_requests_total',
        'docscale_http_in_flight',
        'docscale_event_loop_delay_ms',
      ],
    },
  ],
  afterwards: [],
  notes: [
    'OverloadedError stays in libs/resilience: the exports intake bulkhead refuses with it.',
    'The capacity experiment measures the event loop against 200 ms, the old shedding bound.',
  ],
};
