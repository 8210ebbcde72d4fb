/**
 * The queue lib's configuration keys (docs: libs/queue/README.md) and the one mapping from them
 * to QueueOptions, for the API (which relays the outbox) and the worker (which runs processors).
 */
import {
  configFragment,
  onOff,
  positiveInt,
  redisUrl,
  type FragmentEnv,
} from '@docscale/pattern-kit';
import { z } from 'zod';
import type { JobProcessor } from './job-processor';
import type { QueueOptions } from './queue.options';

export const queueConfig = configFragment({
  shape: {
    // Toggle: jobs through the queue, else inline (its start value; flipped at run time).
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
    OUTBOX_RELAY: onOff.default(true),
    OUTBOX_BATCH_SIZE: positiveInt.max(1000).default(100),
    OUTBOX_POLL_MS: positiveInt.default(1000),
    OUTBOX_RETENTION_MS: positiveInt.default(3_600_000),
  },
  check: (c) => [
    // A resent outbox row is harmless only while the job it duplicates still exists.
    c.QUEUE_KEEP_COMPLETED_MS < 60 * c.OUTBOX_POLL_MS && {
      key: 'QUEUE_KEEP_COMPLETED_MS',
      message: `must be at least 60 × OUTBOX_POLL_MS (${c.OUTBOX_POLL_MS}): a row the relay sends twice must find its job still there`,
    },
  ],
});

export type QueueEnv = FragmentEnv<typeof queueConfig>;

/** What the app supplies that is not configuration: the shared Redis, the queue, the role. */
export interface QueueWiring extends Pick<QueueOptions, 'queueName' | 'ownerField'> {
  /** Used unless QUEUE_REDIS_URL names a Redis of the queue's own. */
  redisUrl: string;
  commandTimeoutMs: number;
  /** The API relays the outbox (unless OUTBOX_RELAY is off); a worker runs processors. */
  role: { relay: true } | { processors: JobProcessor[] };
}

export function queueOptionsFrom(env: QueueEnv, { role, ...wiring }: QueueWiring): QueueOptions {
  return {
    ...wiring,
    redisUrl: env.QUEUE_REDIS_URL || wiring.redisUrl,
    prefix: env.QUEUE_PREFIX,
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
