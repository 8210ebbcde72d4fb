import { PatternManifest } from '../pattern-manifest';

/**
 * The read/write split's replica half (libs/database): replica pools, the read router and the lag
 * monitor, the replica's configuration, deploy pieces and alerts. Every read then runs on the
 * primary. Consistency tokens stay: a write still answers X-Consistency-Token and a read still
 * accepts it, since the cache checks its entries against the token's WAL position.
 */
export const readReplicas: PatternManifest = {
  name: 'read-replicas',
  summary: 'read/write split: replica pools, read router, lag monitor (part of libs/database)',
  paths: [
    'libs/database/src/read-router.ts',
    'libs/database/src/read-router.spec.ts',
    'libs/database/src/replica-monitor.ts',
    'libs/database/src/replica-monitor.spec.ts',
    'libs/database/src/read-routing.spec.ts',
    'libs/database/src/replica-reads.ts',
    'libs/database/src/read-metrics.ts',
    'libs/database/src/database-replicas.spec.ts',
    'docs/patterns/read-your-writes.md',
    'test/e2e/read-your-writes.e2e-spec.ts',
    'test/e2e/cache-replicas.e2e-spec.ts',
    'scripts/experiments/read-after-write.ts',
    'scripts/experiments/replica-lag.ts',
    'docker/postgres/replica-entrypoint.sh',
    'test/deploy/compose-replica.spec.ts',
  ],
  dependencies: [],
  scripts: [],
  jsonKeys: [],
  jsonItems: [
    {
      file: 'docker/grafana/dashboards/docscale.json',
      path: ['panels'],
      containing: ['docscale_db_reads_total', 'docscale_db_replica_', 'Read replicas'],
    },
  ],
  afterwards: [],
  notes: [
    'every read runs on the primary; X-Consistency-Token is still answered and accepted (the cache checks its entries against it)',
    'the local stack (scripts/stack.sh) still starts a replica; nothing connects to it',
  ],
};
