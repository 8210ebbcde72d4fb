import { PatternManifest } from '../pattern-manifest';

export const rateLimit: PatternManifest = {
  name: 'rate-limit',
  summary: 'distributed rate limits per tenant and route class, and on failed authentications',
  paths: [
    'libs/resilience/src/rate-limit',
    'src/tenants/failed-auth-limit.ts',
    'docs/patterns/rate-limiting.md',
    'scripts/experiments/noisy-tenant.ts',
    'test/e2e/rate-limit.e2e-spec.ts',
    'test/e2e/auth-limits.e2e-spec.ts',
  ],
  dependencies: [],
  scripts: [],
  jsonKeys: [],
  jsonItems: [
    {
      file: 'docker/grafana/dashboards/docscale.json',
      path: ['panels'],
      containing: ['docscale_rate_limit_decisions_total'],
    },
  ],
  // The 429 responses and RateLimit-* headers leave the API description.
  afterwards: [['npm', 'run', '-s', 'openapi']],
  notes: [
    'Failed authentications are no longer limited per address: each unknown key costs one lookup (cached negatively).',
  ],
};
