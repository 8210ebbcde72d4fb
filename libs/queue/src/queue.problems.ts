/** The problems the queue's errors become (composed by the app's one mapping, see pattern-kit). */
import { problemFor, type ProblemDescriptor } from '@docscale/pattern-kit';
import { JobNotRetryableError, QueueFullError, QueueUnavailableError } from './queue.errors';

export const queueProblems: ProblemDescriptor[] = [
  problemFor(JobNotRetryableError, {
    status: 409,
    slug: 'job-not-retryable',
    title: 'Job is not failed',
    extra: (e) => ({ state: e.state }),
  }),
  problemFor(QueueFullError, {
    status: 503,
    slug: 'queue-full',
    title: 'Too much work queued',
    retryAfterSeconds: (e) => e.retryAfterSeconds,
  }),
  problemFor(QueueUnavailableError, {
    status: 503,
    slug: 'queue-unavailable',
    title: 'Temporarily unavailable',
  }),
];
