/**
 * The producer side of the queue: enqueue, the backlog depth, and the lookups behind /v1/jobs.
 *
 * Problem: a Redis outage must not hang the requests and relay cycles that enqueue. Mechanism:
 * the producer's connection has no offline queue and a command timeout, so every call fails fast
 * while Redis is away and the caller decides: the relay leaves its rows in the outbox, an export
 * request gets a 503. Job ids are the caller's (derived from the work): adding an id that exists,
 * in any state, is a no-op, which is what makes a resent outbox row harmless.
 */
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Job, Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { JobIndex, type IndexPosition } from './job-index';
import type { JobRequest } from './job-processor';
import { backlogOf, COUNTED_STATES } from './job-states';
import { JobTrace } from './job-trace';
import { JobNotRetryableError, QueueFullError, QueueUnavailableError } from './queue.errors';
import { QUEUE_OPTIONS } from './queue.module-definition';
import { QueueOptions } from './queue.options';
import { QueueTelemetry } from './queue-telemetry';

/** A job as /v1/jobs shows it. */
export interface JobView {
  id: string;
  name: string;
  data: Record<string, unknown>;
  state: string;
  progress: number;
  /** Attempts that ended (failed or completed); a job handed back on shutdown does not count. */
  attemptsMade: number;
  createdAt: string;
  processedAt?: string;
  finishedAt?: string;
  failedReason?: string;
  result?: unknown;
}

/** The states a job can be listed by. */
export const LISTABLE_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
export type ListableState = (typeof LISTABLE_STATES)[number];

/** One page of an owner's jobs; `next` is where the following page starts (none: the last). */
export interface JobPage {
  jobs: JobView[];
  next?: IndexPosition;
}

/**
 * Index entries one listing looks at, at most: with a state filter, a page can come back short
 * (or empty) with a `next` position rather than reading an owner's whole index in one request.
 */
const LIST_SCAN_ENTRIES = 1000;

@Injectable()
export class JobQueue implements OnApplicationShutdown {
  readonly queue: Queue;
  private readonly connection: Redis;
  private readonly index: JobIndex;

  constructor(
    @Inject(QUEUE_OPTIONS) private readonly options: QueueOptions,
    telemetry: QueueTelemetry,
  ) {
    this.connection = new Redis(options.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: options.commandTimeoutMs,
      commandTimeout: options.commandTimeoutMs,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    });
    this.connection.on('error', () => undefined); // each call reports its own failure
    this.queue = new Queue(options.queueName, {
      connection: this.connection,
      prefix: options.prefix,
      defaultJobOptions: defaultJobOptions(options),
    });
    this.queue.on('error', () => undefined);
    this.index = new JobIndex(
      () => this.connection,
      `${options.prefix}:${options.queueName}`,
      Math.max(options.keepCompletedMs, options.keepFailedMs),
    );
    telemetry.observeQueue(() => this.counts());
  }

  /** Enqueues every request in one round trip, each with a producer span in its request's trace. */
  async enqueue(requests: JobRequest[]): Promise<void> {
    const published = requests.map((r) => JobTrace.publish(r, this.options.queueName));
    const spans = published.map((p) => p.span);
    try {
      await this.call(() =>
        this.queue.addBulk(
          requests.map((r, i) => {
            const metadata = published[i].metadata;
            const opts: JobsOptions = { jobId: r.id, ...(metadata && { telemetry: { metadata } }) };
            return { name: r.name, data: r.data, opts };
          }),
        ),
      );
      JobTrace.end(spans);
    } catch (err) {
      JobTrace.end(spans, err);
      throw err;
    }
    // After BullMQ has them: an entry never names a job that was not added (a listing drops the
    // entries whose jobs are gone, and must not drop one whose add is still under way).
    await this.call(() => this.index.add(this.owned(requests)));
  }

  /** The requests that name an owner (`ownerField` in their data), for the index. */
  private owned(requests: JobRequest[]): { owner: string; id: string }[] {
    const field = this.options.ownerField;
    if (!field) return [];
    return requests.flatMap((r) => {
      const owner = r.data[field];
      return typeof owner === 'string' ? [{ owner, id: r.id }] : [];
    });
  }

  /** Refuses (QueueFullError) when the backlog is past `maxDepth`. */
  async admit(): Promise<void> {
    const depth = await this.depth();
    if (depth < this.options.maxDepth) return;
    throw new QueueFullError(
      depth,
      retryAfterSeconds(depth - this.options.maxDepth + 1, this.options),
    );
  }

  /** Jobs accepted and not yet started. */
  async depth(): Promise<number> {
    return backlogOf(await this.counts());
  }

  /** Jobs by state: the reported states and the backlog's. */
  counts(): Promise<Record<string, number>> {
    return this.call(() => this.queue.getJobCounts(...COUNTED_STATES));
  }

  /**
   * The state is read before the job's data: a job finishing in between then shows its old state
   * with its final data, never `completed` without its result and attempts.
   */
  async find(id: string): Promise<JobView | undefined> {
    return this.call(() => this.lookup(id));
  }

  private async lookup(id: string): Promise<JobView | undefined> {
    const state = await this.queue.getJobState(id);
    if (state === 'unknown') return undefined;
    const job = await this.queue.getJob(id);
    return job ? view(job, state) : undefined;
  }

  /**
   * `owner`'s jobs after `after`, newest first, only those in `state` if given: up to `limit` of
   * them, from at most LIST_SCAN_ENTRIES index entries (docs: job-index.ts).
   */
  async listOwned(
    owner: string,
    page: { limit: number; state?: ListableState; after?: IndexPosition },
  ): Promise<JobPage> {
    return this.call(async () => {
      const jobs: JobView[] = [];
      const gone: string[] = [];
      let position = page.after;
      let scanned = 0;
      try {
        for (;;) {
          // One more than a page: a full page then knows whether anything follows it.
          const entries = await this.index.after(owner, position, page.limit + 1);
          const views = await Promise.all(entries.map((e) => this.lookup(e.id)));
          for (const [i, entry] of entries.entries()) {
            if (jobs.length === page.limit) return { jobs, next: position };
            position = entry;
            scanned++;
            const view = views[i];
            if (!view) gone.push(entry.id);
            else if (!page.state || view.state === page.state) jobs.push(view);
          }
          if (entries.length <= page.limit) return { jobs };
          if (scanned >= LIST_SCAN_ENTRIES) return { jobs, next: position };
        }
      } finally {
        await this.index.drop(owner, gone);
      }
    });
  }

  /** Replays a failed job with its attempts reset: the whole retry policy applies again. */
  async retry(id: string): Promise<JobView | undefined> {
    return this.call(async () => {
      const job = await this.queue.getJob(id);
      if (!job) return undefined;
      const notFailed = async () => {
        const state = await job.getState();
        return state === 'failed' ? undefined : new JobNotRetryableError(id, state);
      };
      const refused = await notFailed();
      if (refused) throw refused;
      try {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      } catch (err) {
        throw (await notFailed()) ?? err; // a concurrent retry got there first: 409, not 503
      }
      return view(job, 'waiting');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.connection.disconnect();
  }

  /**
   * Runs a Redis call, mapping failures to QueueUnavailableError. Until the connection is ready
   * BullMQ would wait for it without limit (the offline queue and the command timeout only cover
   * commands sent), so a process started while Redis is down would hang every call: wait for it
   * at most the command timeout, and fail at once on a connection error.
   */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      if (this.connection.status !== 'ready') {
        const timeout = AbortSignal.timeout(this.options.commandTimeoutMs);
        await once(this.connection, 'ready', { signal: timeout });
      }
      return await fn();
    } catch (err) {
      if (err instanceof JobNotRetryableError) throw err;
      throw new QueueUnavailableError(err);
    }
  }
}

export function defaultJobOptions(options: QueueOptions): JobsOptions {
  return {
    attempts: options.attempts,
    backoff: { type: 'exponential', delay: options.backoffMs, jitter: options.backoffJitter },
    removeOnComplete: { age: Math.ceil(options.keepCompletedMs / 1000) },
    removeOnFail: { age: Math.ceil(options.keepFailedMs / 1000) },
  };
}

/** Seconds for the workers, at their configured rate, to drain `excess` jobs; 1 to 60. */
export function retryAfterSeconds(
  excess: number,
  options: Pick<QueueOptions, 'rateMax' | 'rateDurationMs'>,
): number {
  const seconds = Math.ceil((excess * options.rateDurationMs) / options.rateMax / 1000);
  return Math.min(60, Math.max(1, seconds));
}

function view(job: Job, state: string): JobView {
  const at = (ms?: number) => (ms ? new Date(ms).toISOString() : undefined);
  return {
    id: job.id!,
    name: job.name,
    data: job.data as Record<string, unknown>,
    state,
    progress: state === 'completed' ? 100 : typeof job.progress === 'number' ? job.progress : 0,
    attemptsMade: job.attemptsMade,
    createdAt: at(job.timestamp)!,
    processedAt: at(job.processedOn),
    finishedAt: at(job.finishedOn),
    failedReason: job.failedReason || undefined,
    result: job.returnvalue ?? undefined,
  };
}
