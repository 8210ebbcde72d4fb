import { queueOptionsFrom, type JobProcessor, type QueueOptions } from '@docscale/queue';
import type { AppConfig } from '../../config';

/** The one queue the API relays to and the workers drain (under QUEUE_PREFIX). */
export const QUEUE_NAME = 'documents';

/** The queue lib's options from the configuration: the API relays, a worker processes. */
export function queueOptions(
  { env }: AppConfig,
  role: { relay: true } | { processors: JobProcessor[] },
): QueueOptions {
  return queueOptionsFrom(env, {
    redisUrl: env.REDIS_URL,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    queueName: QUEUE_NAME,
    ownerField: 'tenantId', // GET /v1/jobs lists a tenant's jobs from their own index
    role,
  });
}
