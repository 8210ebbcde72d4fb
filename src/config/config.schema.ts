/**
 * The one configuration schema. Every key is read from the environment once at start, validated,
 * and handed to the modules as one typed object; nothing else reads process.env. A bad or missing
 * value stops the process with a message naming the variable (see loadConfig).
 *
 * Units are in the names (`_MS`, `_BYTES`); every key has a default that works against the local
 * stack (scripts/stack.sh), and a line in docs/configuration.md's table.
 */
import { hostname } from 'node:os';
import { z } from 'zod';

const onOff = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .transform((v) => v === 'on' || v === 'true' || v === '1');
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });
const redisUrl = z.url({ protocol: /^rediss?$/ });

/** A comma-separated list (spaces and empty entries ignored), each entry checked by `item`. */
const commaList = <T extends z.ZodType<unknown, string>>(item: T, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

/**
 * Fastify's trustProxy syntax: `true`, `false`, or addresses/CIDRs/keywords such as `loopback`. A
 * hop count is refused: since Fastify 5.12 it trusts no one (a hop count cannot tell the proxy
 * from a client that sent enough X-Forwarded-For entries), so it would silently make every client
 * look like the proxy to the per-address limits.
 */
const trustList = (key: string) =>
  z
    .string()
    .min(1)
    .refine((v) => !/^\d+$/.test(v), {
      message: `a hop count is not trusted by Fastify 5.12+: name the proxies' addresses instead, e.g. ${key}=loopback,uniquelocal`,
    })
    .transform((v): boolean | string => (v === 'true' ? true : v === 'false' ? false : v));

const LOCAL_ADMIN_KEY = 'local-admin-key-change-me';
const LOCAL_TOKEN_SECRET = 'local-consistency-secret-change-me';

export const configSchema = z
  .object({
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
    // Peers whose `traceparent` decides sampling and parent (same syntax); unset: TRUST_PROXY's.
    TRACE_CONTEXT_TRUST: trustList('TRACE_CONTEXT_TRUST').optional(),
    DOCUMENT_BODY_MAX_BYTES: positiveInt.default(1_048_576),
    // Per tenant: documents, and their bytes (title, body and tags as UTF-8), past which a create,
    // replace or patch that adds is refused (403 quota-exceeded; migrations/…-tenant-usage.ts).
    TENANT_QUOTA_DOCUMENTS: positiveInt.default(1_000_000),
    TENANT_QUOTA_BYTES: positiveInt.default(10_737_418_240),
    // Export artifacts kept per document, the newest; older ones are deleted by the export job.
    EXPORT_RETENTION_PER_DOCUMENT: positiveInt.default(5),
    API_DOCS: onOff.default(true),
    // Test suites only: check every response against the OpenAPI document, mismatches to this file.
    OPENAPI_CONTRACT_CHECK_FILE: z.string().min(1).optional(),

    // The API and the worker connect as the app role, which owns nothing and cannot run DDL;
    // only `npm run migrate` uses the owner's URL (docs/patterns/least-privilege.md).
    DATABASE_PRIMARY_URL: postgresUrl.default(
      'postgres://docscale_app:docscale_app@127.0.0.1:55432/docscale',
    ),
    DATABASE_REPLICA_URLS: commaList(
      postgresUrl,
      'postgres://docscale_app:docscale_app@127.0.0.1:55433/docscale',
    ),
    DATABASE_OWNER_URL: postgresUrl.default(
      'postgres://docscale:docscale@127.0.0.1:55432/docscale',
    ),
    // Row-level security's tenant setting on every tenant statement (off: for a role it does not
    // apply to, e.g. the bench's comparison as the owner).
    DATABASE_RLS: onOff.default(true),
    DATABASE_POOL_SIZE: positiveInt.default(10),
    DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(5000),
    DATABASE_CONNECT_TIMEOUT_MS: positiveInt.default(3000),
    READ_CONSISTENCY: z.enum(['token', 'window', 'none']).default('token'),
    READ_WINDOW_MS: nonNegativeInt.default(2000),
    REPLICA_SELECTION: z.enum(['round-robin', 'least-lag']).default('round-robin'),
    REPLICA_MAX_LAG_MS: positiveInt.default(5000),
    REPLICA_LAG_POLL_MS: positiveInt.default(100),
    CONSISTENCY_TOKEN_SECRET: z.string().min(16).default(LOCAL_TOKEN_SECRET),
    // A rotation's old secrets, comma-separated: tokens they signed are still accepted.
    CONSISTENCY_TOKEN_PREVIOUS_SECRETS: commaList(z.string().min(16), ''),
    CONSISTENCY_TOKEN_TTL_MS: positiveInt.default(600_000),

    REDIS_URL: redisUrl.default('redis://127.0.0.1:56379'),
    REDIS_COMMAND_TIMEOUT_MS: positiveInt.default(1000),

    ADMIN_API_KEY: z.string().min(16).default(LOCAL_ADMIN_KEY),
    AUTH_CACHE_TTL_MS: nonNegativeInt.default(5000),
    // An API key's last use reaches the primary at most once per key per instance per interval,
    // in one batched statement (src/tenants/key-usage.ts).
    AUTH_LAST_USED_INTERVAL_MS: positiveInt.default(60_000),

    CACHE_L1: onOff.default(true),
    CACHE_L2: onOff.default(true),
    CACHE_INVALIDATION: onOff.default(true),
    CACHE_KEY_PREFIX: z.string().min(1).default('docscale:cache'),
    CACHE_L1_MAX_BYTES: positiveInt.default(67_108_864),
    CACHE_L1_TTL_MS: positiveInt.default(1000),
    CACHE_L2_TTL_MS: positiveInt.default(60_000),
    CACHE_L2_TTL_JITTER: z.coerce.number().min(0).max(0.5).default(0.1),
    CACHE_NEGATIVE_TTL_MS: positiveInt.default(5000),
    CACHE_TOMBSTONE_TTL_MS: positiveInt.default(30_000),
    CACHE_LEASE_MS: positiveInt.default(500),
    CACHE_LEASE_WAIT_MS: nonNegativeInt.default(100),
    CACHE_REDIS_TIMEOUT_MS: positiveInt.default(200),
    CACHE_BREAKER_THRESHOLD: positiveInt.default(5),
    CACHE_BREAKER_HALF_OPEN_MS: positiveInt.default(1000),
    READ_REPLICAS: onOff.default(true),
    QUEUE: onOff.default(true),
    // Empty: REDIS_URL. A Redis of its own for the queue can be durable (AOF, noeviction) while
    // the cache's stays volatile (docs/patterns/load-leveling.md, "Redis durability").
    QUEUE_REDIS_URL: z.union([z.literal(''), redisUrl]).default(''),
    QUEUE_PREFIX: z.string().min(1).default('docscale:queue'),
    QUEUE_CONCURRENCY: positiveInt.default(4),
    QUEUE_RATE_MAX: positiveInt.default(100),
    QUEUE_RATE_DURATION_MS: positiveInt.default(1000),
    QUEUE_ATTEMPTS: positiveInt.default(5),
    QUEUE_BACKOFF_MS: positiveInt.default(1000),
    QUEUE_BACKOFF_JITTER: z.coerce.number().min(0).max(1).default(0.5),
    QUEUE_LOCK_MS: positiveInt.default(30_000),
    QUEUE_STALLED_INTERVAL_MS: positiveInt.default(30_000),
    QUEUE_HAND_BACK_AFTER_MS: positiveInt.default(5000),
    QUEUE_KEEP_COMPLETED_MS: positiveInt.default(3_600_000),
    QUEUE_KEEP_FAILED_MS: positiveInt.default(604_800_000),
    QUEUE_MAX_DEPTH: positiveInt.default(10_000),
    // Export requests one instance works on at once, and how many more wait (ExportsService).
    // Waiting exports count against LOAD_SHED_MAX_IN_FLIGHT: keep the sum well under it.
    EXPORT_INTAKE_CONCURRENCY: positiveInt.default(4),
    EXPORT_INTAKE_QUEUE: nonNegativeInt.default(100),
    OUTBOX_RELAY: onOff.default(true),
    OUTBOX_BATCH_SIZE: positiveInt.max(1000).default(100),
    OUTBOX_POLL_MS: positiveInt.default(1000),
    OUTBOX_RETENTION_MS: positiveInt.default(3_600_000),
    INDEX_RECONCILE_AFTER_MS: nonNegativeInt.default(600_000),
    INDEX_RECONCILE_INTERVAL_MS: positiveInt.default(60_000),
    FAULT_JOB_DELAY_MS: nonNegativeInt.default(0),
    FAULT_JOB_FAIL_TAG: z.string().default(''),
    RATE_LIMIT: onOff.default(true),
    // Per tenant and route class: a token bucket of RATE_LIMIT_<CLASS> tokens refilled over
    // RATE_LIMIT_WINDOW_MS (docs/patterns/rate-limiting.md).
    RATE_LIMIT_WINDOW_MS: positiveInt.default(1000),
    RATE_LIMIT_READS: positiveInt.default(1000),
    RATE_LIMIT_WRITES: positiveInt.default(200),
    RATE_LIMIT_EXPORTS: positiveInt.default(10),
    // Per client address: failed authentications (no, a malformed, unknown or revoked key) per
    // RATE_LIMIT_AUTH_FAILURES_WINDOW_MS, before any tenant is known (src/tenants/failed-auth-limit.ts).
    RATE_LIMIT_AUTH_FAILURES: positiveInt.default(30),
    RATE_LIMIT_AUTH_FAILURES_WINDOW_MS: positiveInt.default(60_000),
    RATE_LIMIT_ON_REDIS_DOWN: z.enum(['local', 'open', 'closed']).default('local'),
    RATE_LIMIT_INSTANCES: positiveInt.default(2),
    // Leases (docs/patterns/rate-limiting.md, "Precision"): an instance takes up to limit × this
    // many tokens of a bucket per Redis call; 0 asks Redis for every request.
    RATE_LIMIT_LEASE_SHARE: z.coerce.number().min(0).max(0.5).default(0.01),
    RATE_LIMIT_LEASE_MS: positiveInt.default(100),
    RATE_LIMIT_REDIS_TIMEOUT_MS: positiveInt.default(200),
    RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('docscale:ratelimit'),
    // pattern:breakers:begin
    BREAKER_THRESHOLD: positiveInt.default(5),
    BREAKER_HALF_OPEN_MS: positiveInt.default(2000),
    // pattern:breakers:end
    // pattern:shedding:begin
    LOAD_SHEDDING: onOff.default(true),
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: positiveInt.default(200),
    LOAD_SHED_MAX_IN_FLIGHT: positiveInt.default(500),
    LOAD_SHED_SAMPLE_INTERVAL_MS: positiveInt.min(20).default(200),
    // pattern:shedding:end
    TOGGLE_SYNC_INTERVAL_MS: positiveInt.default(1000),
    TOGGLES_KEY_PREFIX: z.string().min(1).default('docscale:toggles'),
    HEALTH_CHECK_TIMEOUT_MS: positiveInt.default(1000),

    TELEMETRY_TRACING: z.enum(['docscale', 'stock', 'off']).default('docscale'),
    TELEMETRY_TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(0.1),
    TELEMETRY_METRICS: onOff.default(true),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('docscale'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    LOG_HTTP: onOff.default(false),

    WORKER_HEALTH_PORT: port.default(3100),
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
    SHUTDOWN_DRAIN_DELAY_MS: nonNegativeInt.default(0),
  })
  .superRefine((c, ctx) => {
    // An expired token is ignored: safe only once every replica in rotation (at most
    // REPLICA_MAX_LAG_MS behind, measured every REPLICA_LAG_POLL_MS) must have replayed its write,
    // and once the window mode's window is over.
    const tokenFloorMs = Math.max(c.REPLICA_MAX_LAG_MS + c.REPLICA_LAG_POLL_MS, c.READ_WINDOW_MS);
    if (c.CONSISTENCY_TOKEN_TTL_MS <= tokenFloorMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['CONSISTENCY_TOKEN_TTL_MS'],
        message: `must be more than REPLICA_MAX_LAG_MS + REPLICA_LAG_POLL_MS and READ_WINDOW_MS (${tokenFloorMs}): an expired token is ignored, and a replica in rotation may be that far behind`,
      });
    }
    if (c.HTTP_BODY_LIMIT_BYTES < c.DOCUMENT_BODY_MAX_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['HTTP_BODY_LIMIT_BYTES'],
        message: `must be at least DOCUMENT_BODY_MAX_BYTES (${c.DOCUMENT_BODY_MAX_BYTES}), or the largest documents could never be sent`,
      });
    }
    // A cache fill is dropped when its read began more than half the tombstone TTL ago, and a
    // positioned read is two statements: every read the database allows must fit in that half.
    if (c.CACHE_TOMBSTONE_TTL_MS <= 4 * c.DATABASE_STATEMENT_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['CACHE_TOMBSTONE_TTL_MS'],
        message: `must be more than 4 × DATABASE_STATEMENT_TIMEOUT_MS (${c.DATABASE_STATEMENT_TIMEOUT_MS}): a cache fill must come within half of it, and a cache-filling read is up to two statements`,
      });
    }
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
    // A worker first waits out the drain delay (readiness off), then its running jobs.
    if (c.QUEUE_HAND_BACK_AFTER_MS + c.SHUTDOWN_DRAIN_DELAY_MS >= c.SHUTDOWN_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['QUEUE_HAND_BACK_AFTER_MS'],
        message: `plus SHUTDOWN_DRAIN_DELAY_MS (${c.SHUTDOWN_DRAIN_DELAY_MS}) must be shorter than SHUTDOWN_TIMEOUT_MS (${c.SHUTDOWN_TIMEOUT_MS}): running jobs are handed back before the process gives up on closing`,
      });
    }
    // pattern:shedding:begin
    // A sample shorter than the bound can read as "infinitely late" after one stall of its own
    // length, so the real bound would silently become the interval (libs/resilience load-shedding).
    if (c.LOAD_SHED_SAMPLE_INTERVAL_MS < c.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['LOAD_SHED_SAMPLE_INTERVAL_MS'],
        message: `must be at least LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS (${c.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS})`,
      });
    }
    // pattern:shedding:end
    // A resent outbox row is harmless only while the job it duplicates still exists.
    if (c.QUEUE_KEEP_COMPLETED_MS < 60 * c.OUTBOX_POLL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['QUEUE_KEEP_COMPLETED_MS'],
        message: `must be at least 60 × OUTBOX_POLL_MS (${c.OUTBOX_POLL_MS}): a row the relay sends twice must find its job still there`,
      });
    }
    const faultFlags = {
      FAULT_JOB_DELAY_MS: c.FAULT_JOB_DELAY_MS > 0,
      FAULT_JOB_FAIL_TAG: c.FAULT_JOB_FAIL_TAG !== '',
    };
    for (const [key, set] of Object.entries(faultFlags)) {
      if (c.NODE_ENV === 'production' && set) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'is a fault flag, for tests and experiments; unset it when NODE_ENV=production',
        });
      }
    }
    if (c.NODE_ENV === 'production' && c.CONSISTENCY_TOKEN_SECRET === LOCAL_TOKEN_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['CONSISTENCY_TOKEN_SECRET'],
        message:
          'must be set to a secret of your own (shared by all instances) when NODE_ENV=production',
      });
    }
    if (c.NODE_ENV === 'production' && c.TELEMETRY_TRACING === 'stock') {
      ctx.addIssue({
        code: 'custom',
        path: ['TELEMETRY_TRACING'],
        message:
          "'stock' is the benchmark anchor (it follows any client's traceparent and records query strings): use 'docscale' or 'off' when NODE_ENV=production",
      });
    }
    if (c.NODE_ENV === 'production' && c.ADMIN_API_KEY === LOCAL_ADMIN_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_API_KEY'],
        message: 'must be set to a secret of your own when NODE_ENV=production',
      });
    }
  });

export type Env = z.output<typeof configSchema>;
