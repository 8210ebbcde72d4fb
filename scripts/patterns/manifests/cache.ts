import { PatternManifest } from '../pattern-manifest';

/**
 * The multi-level cache (libs/cache). Without it a document read goes to the database every time
 * (the repository's read, routed as before); writes still return their consistency token.
 */
export const cache: PatternManifest = {
  name: 'cache',
  summary: 'multi-level cache-aside (L1 in process, L2 in Redis, invalidation bus): libs/cache',
  paths: [
    'libs/cache',
    'src/store/cached-store.ts',
    'src/store/cached-store.spec.ts',
    'docs/patterns/cache-aside.md',
    'test/e2e/cache.e2e-spec.ts',
    'test/e2e/cache-races.e2e-spec.ts',
    'test/e2e/cache-replicas.e2e-spec.ts',
    'scripts/experiments/bench/cache.ts',
    'docker/prometheus/rules/tests/cache.test.yaml',
  ],
  // lru-cache stays while the API-key cache (src/tenants) imports it.
  dependencies: ['lru-cache'],
  scripts: ['bench:cache'],
  jsonKeys: [
    { file: 'tsconfig.json', path: ['compilerOptions', 'paths', '@docscale/cache'] },
    { file: 'nest-cli.json', path: ['projects', 'cache'] },
  ],
  jsonItems: [
    {
      file: 'docker/grafana/dashboards/docscale.json',
      path: ['panels'],
      containing: ['docscale_cache_', 'Cache-aside'],
    },
  ],
  afterwards: [],
  notes: [
    'reads of a document go to the database each time; add an index or the cache back before a read-heavy load',
  ],
};
