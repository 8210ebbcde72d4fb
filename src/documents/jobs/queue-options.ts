import type { JobProcessor, QueueOptions } from '@docscale/queue';
import type { AppConfig } from '../../config';

/** The one queue the API relays to and the workers drain (under QUEUE_PREFIX). */
export const QUEUE_NAME = 'documents';

/** The queue lib's options from the configuration: the API relays, a worker processes. */
export function queueOptions(
  { env }: AppConfig,
  role: { relay: true } | { processors: JobProcessor[] },
): QueueOptions {
  return {
    redisUrl: env.QUEUE_REDIS_URL || env.REDIS_URL,
    prefix: env.QUEUE_PREFIX,
    queueName: QUEUE_NAME,
    ownerField: 'tenantId', // GET /v1/jobs lists a tenant's jobs from their own index
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    attempts: env.QUEUE_ATTEMPTS,
    backoffMs: env.QUEUE_BACKOFF_MS,
    backoffJitter: env.QUEUE_BACKOFF_JITTER,
    keepCompletedMs: env.QUEUE_KEEP_COMPLETED_MS,
    keepFailedMs: env.QUEUE_KEEP_FAILED_MS,
    maxDepth: env.QUEUE_MAX_DEPTH,
    rateMax: env.QUEUE_RATE_MAX,
    rateDurationMs: env.QUEUE_RATE_DURATION_MS,
    relay:
      'relay' in role && env.OUTBOX_RELAY
        ? {
            batchSize: env.OUTBOX_BATCH_SIZE,
            pollMs: env.OUTBOX_POLL_MS,
            retentionMs: env.OUTBOX_RETENTION_MS,
          }
        : undefined,
    worker:
      'processors' in role
        ? {
            processors: role.processors,
            concurrency: env.QUEUE_CONCURRENCY,
            lockMs: env.QUEUE_LOCK_MS,
            stalledIntervalMs: env.QUEUE_STALLED_INTERVAL_MS,
            handBackAfterMs: env.QUEUE_HAND_BACK_AFTER_MS,
          }
        : undefined,
  };
}
