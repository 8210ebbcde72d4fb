/** Small, stable errors the app maps to problem+json. */

/** The backlog is past QUEUE_MAX_DEPTH: optional work is refused until workers catch up. */
export class QueueFullError extends Error {
  constructor(
    readonly depth: number,
    readonly retryAfterSeconds: number,
  ) {
    super(
      `The job queue holds ${depth} jobs, more than it accepts; retry in ${retryAfterSeconds} s.`,
    );
  }
}

/** Redis (the queue) did not answer: nothing was enqueued. */
export class QueueUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The job queue is unavailable right now; nothing was enqueued; retry shortly.', {
      cause,
    });
  }
}

/** Replay asked for a job that is not in `failed`. */
export class JobNotRetryableError extends Error {
  constructor(
    readonly id: string,
    readonly state: string,
  ) {
    super(`Job ${id} is ${state}; only failed jobs can be retried.`);
  }
}
