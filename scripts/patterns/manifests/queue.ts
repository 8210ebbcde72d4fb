import { PatternManifest } from '../pattern-manifest';

/**
 * Queue-based load leveling (libs/queue): BullMQ, the transactional outbox and its relay, the
 * worker process, the jobs API and the export jobs it serves. Without it every write is indexed
 * in its request (what QUEUE=off does), and exports and /v1/jobs are gone from the API.
 */
export const queue: PatternManifest = {
  name: 'queue',
  summary: 'load leveling: BullMQ, outbox and relay, the worker, /v1/jobs and exports: libs/queue',
  paths: [
    'libs/queue',
    'src/worker.ts',
    'src/worker.module.ts',
    'src/documents/jobs/dto',
    'src/documents/jobs/jobs.controller.ts',
    'src/documents/jobs/jobs.module.ts',
    'src/documents/jobs/jobs.service.ts',
    'src/documents/jobs/jobs.service.spec.ts',
    'src/documents/jobs/job-id.pipe.ts',
    'src/documents/jobs/job-id.pipe.spec.ts',
    'src/documents/jobs/job.errors.ts',
    'src/documents/jobs/job-reply.ts',
    'src/documents/jobs/queue-options.ts',
    'src/documents/jobs/exports.controller.ts',
    'src/documents/jobs/exports.service.ts',
    'src/documents/jobs/exports.service.spec.ts',
    'src/documents/jobs/export-document.job.ts',
    'src/documents/jobs/export-document.job.spec.ts',
    'src/documents/jobs/index-reconciler.ts',
    'src/documents/jobs/index-reconciler.spec.ts',
    'scripts/experiments/queue-burst.ts',
    'docs/patterns/load-leveling.md',
    'test/e2e/jobs.e2e-spec.ts',
    'test/e2e/queue.e2e-spec.ts',
    'test/e2e/queue-faults.e2e-spec.ts',
    'test/e2e/queue-telemetry.e2e-spec.ts',
    'k8s/base/worker-deployment.yaml',
    'k8s/base/worker-service.yaml',
    'k8s/base/worker-scaledobject.yaml',
    'k8s/overlays/dev/scaledobject.yaml',
    'k8s/overlays/prod/scaledobject.yaml',
    'k8s/overlays/prod/worker-spread.yaml',
    'k8s/overlays/prod/pdb-worker.yaml',
    'docker/prometheus/rules/tests/queue.test.yaml',
  ],
  // The outbox's migration created a table: a database that ran it keeps it in TypeORM's
  // migrations table, so the migration stays in the chain (migrations/index.ts) after the lib.
  keep: [
    {
      from: 'libs/queue/src/migrations/1764000000000-job-outbox.ts',
      to: 'migrations/1764000000000-job-outbox.ts',
    },
  ],
  dependencies: ['bullmq', 'bullmq-otel', 'marked', '@kubernetes-models/keda'],
  scripts: ['start:worker'],
  jsonKeys: [
    { file: 'tsconfig.json', path: ['compilerOptions', 'paths', '@docscale/queue'] },
    { file: 'nest-cli.json', path: ['projects', 'queue'] },
  ],
  jsonItems: [
    {
      file: 'docker/grafana/dashboards/docscale.json',
      path: ['panels'],
      containing: [
        'docscale_queue_',
        'docscale_job',
        'docscale_outbox_',
        'Queue-based load leveling',
        'Transactional outbox',
        'docscale-worker',
      ],
    },
  ],
  // The API document loses /v1/jobs and the exports route: regenerated from the controllers left.
  afterwards: [['npm', 'run', '-s', 'openapi']],
  notes: [
    'every create and update now indexes its document before answering (search stays current)',
    'the outbox and document_exports tables stay (their migrations too); drain the outbox before removing the queue from a running deployment, and drop them with a migration of your own',
  ],
};
