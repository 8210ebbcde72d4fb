export { QueueModule } from './queue.module';
export type { QueueOptions, WorkerOptions, RelayOptions } from './queue.options';
export { runInline } from './job-processor';
export type { JobProcessor, RunningJob, JobRequest } from './job-processor';
export { JobQueue, LISTABLE_STATES, retryAfterSeconds } from './job-queue';
export type { JobView, ListableState } from './job-queue';
export { OutboxRelay } from './outbox-relay';
export { JobTrace } from './job-trace';
export { JobNotRetryableError, QueueFullError, QueueUnavailableError } from './queue.errors';
