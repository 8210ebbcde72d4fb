/**
 * The one configuration schema. Every key is read from the environment once at start, validated,
 * and handed to the modules as one typed object; nothing else reads process.env. A bad or missing
 * value stops the process with a message naming the variable (see loadConfig).
 *
 * Each lib owns its keys: a fragment (libs/<lib>/src/<lib>.config.ts) with their defaults and the
 * rules between them, documented in libs/<lib>/README.md. This file merges the fragments with the
 * app's own keys (documented in docs/configuration.md), and holds the rules that span a lib and
 * the app or two libs. Units are in the names (`_MS`, `_BYTES`); every key has a default that
 * works against the local stack (scripts/stack.sh).
 */
import { cacheConfig } from '@docscale/cache'; // pattern:cache
import {
  nonNegativeInt,
  onOff,
  port,
  positiveInt,
  redisUrl,
  mergedShape,
  trustList,
} from '@docscale/pattern-kit';
import { databaseConfig } from '@docscale/database';
import { queueConfig } from '@docscale/queue'; // pattern:queue
import { resilienceConfig } from '@docscale/resilience';
import { telemetryConfig } from '@docscale/telemetry';
import { togglesConfig } from '@docscale/toggles';
import { hostname } from 'node:os';
import { z } from 'zod';

const LOCAL_ADMIN_KEY = 'local-admin-key-change-me';

/** The app's own keys: the HTTP surface, auth, documents and their jobs, shared Redis, shutdown. */
const appKeys = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  // The operator plane (/v1/admin/*, /metrics) answers only here (src/operator-listener.ts):
  // a listener the edge never routes to. Every instance on a host needs a port of its own.
  OPERATOR_HOST: z.string().min(1).default('127.0.0.1'),
  OPERATOR_PORT: port.default(3200),
  INSTANCE_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  // A 1 MiB document can take twice that as JSON (every newline or quote escaped), plus margin.
  HTTP_BODY_LIMIT_BYTES: positiveInt.default(2_162_688),
  TRUST_PROXY: trustList('TRUST_PROXY').default('loopback'),
  DOCUMENT_BODY_MAX_BYTES: positiveInt.default(1_048_576),
  // Per tenant: documents, and their bytes (title, body and tags as UTF-8), past which a create,
  // replace or patch that adds is refused (403 quota-exceeded; migrations/…-tenant-usage.ts).
  TENANT_QUOTA_DOCUMENTS: positiveInt.default(1_000_000),
  TENANT_QUOTA_BYTES: positiveInt.default(10_737_418_240),
  // pattern:queue:begin
  // Export artifacts kept per document, the newest; older ones are deleted by the export job.
  EXPORT_RETENTION_PER_DOCUMENT: positiveInt.default(5),
  // pattern:queue:end
  API_DOCS: onOff.default(true),
  // Test suites only: check every response against the OpenAPI document, mismatches to this file.
  OPENAPI_CONTRACT_CHECK_FILE: z.string().min(1).optional(),

  // The one Redis the toggles, the cache, the rate limiter and (unless QUEUE_REDIS_URL) the
  // queue share; each lib is handed it by the wiring.
  REDIS_URL: redisUrl.default('redis://127.0.0.1:56379'),
  REDIS_COMMAND_TIMEOUT_MS: positiveInt.default(1000),

  ADMIN_API_KEY: z.string().min(16).default(LOCAL_ADMIN_KEY),
  AUTH_CACHE_TTL_MS: nonNegativeInt.default(5000),
  // An API key's last use reaches the primary at most once per key per instance per interval,
  // in one batched statement (src/tenants/key-usage.ts).
  AUTH_LAST_USED_INTERVAL_MS: positiveInt.default(60_000),

  // pattern:queue:begin
  // Export requests one instance works on at once, and how many more wait (ExportsService).
  // Waiting exports count against LOAD_SHED_MAX_IN_FLIGHT: keep the sum well under it.
  EXPORT_INTAKE_CONCURRENCY: positiveInt.default(4),
  EXPORT_INTAKE_QUEUE: nonNegativeInt.default(100),
  INDEX_RECONCILE_AFTER_MS: nonNegativeInt.default(600_000),
  INDEX_RECONCILE_INTERVAL_MS: positiveInt.default(60_000),
  FAULT_JOB_DELAY_MS: nonNegativeInt.default(0),
  FAULT_JOB_FAIL_TAG: z.string().default(''),
  // pattern:queue:end
  HEALTH_CHECK_TIMEOUT_MS: positiveInt.default(1000),

  // pattern:queue:begin
  WORKER_HEALTH_PORT: port.default(3100),
  // pattern:queue:end
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  SHUTDOWN_DRAIN_DELAY_MS: nonNegativeInt.default(0),
};

/** Every lib's fragment, its keys and its checks: a lib deleted from libs/ leaves this list. */
const fragments = [
  databaseConfig,
  cacheConfig, // pattern:cache
  queueConfig, // pattern:queue
  resilienceConfig,
  telemetryConfig,
  togglesConfig,
] as const;

export const configSchema = z
  .object({ ...appKeys, ...mergedShape(fragments) })
  .superRefine((c, ctx) => {
    const production = c.NODE_ENV === 'production';
    for (const fragment of fragments) {
      for (const issue of fragment.check?.(c, { production }) ?? []) {
        if (issue) ctx.addIssue({ code: 'custom', path: [issue.key], message: issue.message });
      }
    }
    if (c.HTTP_BODY_LIMIT_BYTES < c.DOCUMENT_BODY_MAX_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['HTTP_BODY_LIMIT_BYTES'],
        message: `must be at least DOCUMENT_BODY_MAX_BYTES (${c.DOCUMENT_BODY_MAX_BYTES}), or the largest documents could never be sent`,
      });
    }
    // pattern:cache:begin
    // A cache fill is dropped when its read began more than half the tombstone TTL ago. A
    // cache-filling read from the primary runs two statements that can each take the timeout:
    // the WAL position (ReadRouting's `positioned`), then the read. On the raw path the read is
    // one SELECT; on the TypeORM path (ReadRouting.readWith) it is a transaction, whose BEGIN,
    // tenant setting and COMMIT wait on nothing, around the repository's statements (one for
    // collections). A read that runs longer (a replica that failed first, a repository whose
    // read runs several slow statements) loses its fill: a later read misses, none is stale.
    if (c.CACHE_TOMBSTONE_TTL_MS <= 4 * c.DATABASE_STATEMENT_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['CACHE_TOMBSTONE_TTL_MS'],
        message: `must be more than 4 × DATABASE_STATEMENT_TIMEOUT_MS (${c.DATABASE_STATEMENT_TIMEOUT_MS}): a cache fill must come within half of it, and a cache-filling read is two statements that may each take that long (the WAL position, then the read)`,
      });
    }
    // pattern:cache:end
    if (c.OPERATOR_PORT === c.PORT && c.PORT !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['OPERATOR_PORT'],
        message: `must differ from PORT (${c.PORT}): the operator plane has a listener of its own, which the edge does not route to`,
      });
    }
    if (c.SHUTDOWN_DRAIN_DELAY_MS >= c.SHUTDOWN_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SHUTDOWN_DRAIN_DELAY_MS'],
        message: 'must be shorter than SHUTDOWN_TIMEOUT_MS',
      });
    }
    // pattern:queue:begin
    // A worker first waits out the drain delay (readiness off), then its running jobs.
    if (c.QUEUE_HAND_BACK_AFTER_MS + c.SHUTDOWN_DRAIN_DELAY_MS >= c.SHUTDOWN_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['QUEUE_HAND_BACK_AFTER_MS'],
        message: `plus SHUTDOWN_DRAIN_DELAY_MS (${c.SHUTDOWN_DRAIN_DELAY_MS}) must be shorter than SHUTDOWN_TIMEOUT_MS (${c.SHUTDOWN_TIMEOUT_MS}): running jobs are handed back before the process gives up on closing`,
      });
    }
    const faultFlags = {
      FAULT_JOB_DELAY_MS: c.FAULT_JOB_DELAY_MS > 0,
      FAULT_JOB_FAIL_TAG: c.FAULT_JOB_FAIL_TAG !== '',
    };
    for (const [key, set] of Object.entries(faultFlags)) {
      if (production && set) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'is a fault flag, for tests and experiments; unset it when NODE_ENV=production',
        });
      }
    }
    // pattern:queue:end
    if (production && c.ADMIN_API_KEY === LOCAL_ADMIN_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_API_KEY'],
        message: 'must be set to a secret of your own when NODE_ENV=production',
      });
    }
  });

export type Env = z.output<typeof configSchema>;
