import type { JobProcessor } from './job-processor';

/** Options of the queue module (from configuration: QUEUE_* and OUTBOX_* in docs/configuration.md). */
export interface QueueOptions {
  redisUrl: string;
  /** Prefix of BullMQ's keys. @defaultValue 'docscale:queue' */
  prefix: string;
  /** The one queue every job goes through. @defaultValue 'documents' */
  queueName: string;
  /**
   * The field of a job's data that names its owner (a tenant): each owner's jobs are indexed so
   * that `JobQueue.listOwned` reads only theirs (job-index.ts). @defaultValue undefined: no index
   */
  ownerField?: string;
  /** Bound on each producer command (enqueue, depth, lookups); a slower Redis counts as down. */
  commandTimeoutMs: number;
  /** Attempts per job, the first included, before it lands in `failed`. */
  attempts: number;
  /** Exponential backoff: attempt n waits backoffMs × 2^(n-1), less up to `backoffJitter` of it. */
  backoffMs: number;
  /** 0 to 1: the share of each backoff delay drawn at random, so retries do not move in step. */
  backoffJitter: number;
  /**
   * How long completed jobs are kept. Must be much longer than the relay could take to resend a
   * job (seconds): a resent id that still exists is a no-op, one that was removed runs again.
   */
  keepCompletedMs: number;
  /** How long failed jobs are kept, to be listed and replayed. */
  keepFailedMs: number;
  /** Backlog (jobs not yet started) past which new optional work is refused. */
  maxDepth: number;
  /**
   * Rate limit shared by every worker of the queue: at most `rateMax` jobs per `rateDurationMs`.
   * Producers use it too, to tell a refused client when the backlog will have drained.
   */
  rateMax: number;
  rateDurationMs: number;
  /** Set in worker processes: this process takes jobs from the queue. */
  worker?: WorkerOptions;
  /** Set where the outbox relay runs (the API processes, by default). */
  relay?: RelayOptions;
}

export interface WorkerOptions {
  processors: JobProcessor[];
  /** Jobs this process runs at once. */
  concurrency: number;
  /** A job's lock; a worker that dies holding it is noticed once it expires (stalled job). */
  lockMs: number;
  /** How often workers look for stalled jobs. */
  stalledIntervalMs: number;
  /** On shutdown, running jobs have this long to finish before they are handed back to the queue. */
  handBackAfterMs: number;
}

export interface RelayOptions {
  /** Rows moved per transaction. */
  batchSize: number;
  /** How often the relay looks for rows nobody nudged it about (a writer died, Redis was down). */
  pollMs: number;
  /** How long sent rows are kept (an audit trail: what was handed to the queue, and when). */
  retentionMs: number;
}
