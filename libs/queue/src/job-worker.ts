/**
 * The consumer side: runs the app's processors on jobs taken from the queue (worker processes).
 *
 * - Load leveling: at most `concurrency` jobs at once per process, and at most `rateMax` per
 *   `rateDurationMs` across every worker (BullMQ's limiter lives in Redis), whatever the backlog.
 * - Failure: a thrown error is retried with exponential backoff and jitter (JobQueue's defaults)
 *   until the attempts are used up; the job then stays in `failed`, listed and replayable.
 * - A worker killed mid-job stops renewing the job's lock; another worker's stalled-job check
 *   moves it back to waiting once the lock expires (QUEUE_LOCK_MS), and it runs again.
 * - Shutdown (SIGTERM): no new jobs are taken; running jobs get `handBackAfterMs` to finish, then
 *   their signal is aborted and they are moved back to waiting without using an attempt, so
 *   another worker takes them at once instead of after a lock expiry.
 * - Redis restarts: the connection retries for ever (`maxRetriesPerRequest: null`, which BullMQ
 *   requires for its blocking commands) and the worker resumes by itself.
 * Processors must be idempotent: a job can run again after a crash or a hand-back.
 */
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { Redis } from 'ioredis';
import type { JobProcessor } from './job-processor';
import { QUEUE_OPTIONS } from './queue.module-definition';
import { QueueOptions } from './queue.options';
import { QueueTelemetry } from './queue-telemetry';

const HANDED_BACK = 'handed back: the worker is shutting down';

@Injectable()
export class JobWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('JobWorker');
  private readonly processors = new Map<string, JobProcessor>();
  private worker?: Worker;
  private connection?: Redis;
  private closing = false;

  constructor(
    @Inject(QUEUE_OPTIONS) private readonly options: QueueOptions,
    private readonly telemetry: QueueTelemetry,
  ) {}

  onApplicationBootstrap(): void {
    const w = this.options.worker;
    if (!w) return;
    for (const p of w.processors) this.processors.set(p.name, p);
    this.connection = new Redis(this.options.redisUrl, {
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    this.connection.on('error', () => undefined); // the worker's 'error' event reports it
    this.worker = new Worker(
      this.options.queueName,
      (job: Job, token?: string, signal?: AbortSignal) => this.run(job, token, signal),
      {
        connection: this.connection,
        prefix: this.options.prefix,
        concurrency: w.concurrency,
        limiter: { max: this.options.rateMax, duration: this.options.rateDurationMs },
        lockDuration: w.lockMs,
        stalledInterval: w.stalledIntervalMs,
        // BullMQ fails a job that stalls more than once by default; a worker crash is no fault
        // of the job's, so it gets as many pickups as it has attempts.
        maxStalledCount: this.options.attempts,
        telemetry: new BullMQOtel({ tracerName: 'docscale.queue' }),
      },
    );
    this.watch(this.worker);
  }

  /** Stops taking jobs; waits for running ones, handing them back after `handBackAfterMs`. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    this.closing = true;
    const handBack = setTimeout(
      () => this.worker!.cancelAllJobs(HANDED_BACK),
      this.options.worker!.handBackAfterMs,
    );
    try {
      await this.worker.close();
    } finally {
      clearTimeout(handBack);
      this.connection!.disconnect();
    }
  }

  private async run(job: Job, token?: string, signal?: AbortSignal): Promise<unknown> {
    const processor = this.processors.get(job.name);
    if (!processor) throw new UnrecoverableError(`no processor for jobs named "${job.name}"`);
    const work = this.process(processor, job, signal);
    try {
      return await Promise.race([work, aborted(signal)]);
    } catch (err) {
      if (!(this.closing && signal?.aborted)) throw err;
      // The processor may still be finishing in the background: its work is idempotent, and
      // whatever it does now the job runs again elsewhere.
      work.catch(() => undefined);
      await job.moveToWait(token);
      this.telemetry.outcome(job.name, 'handed_back');
      throw new WaitingError();
    }
  }

  private async process(processor: JobProcessor, job: Job, signal?: AbortSignal) {
    return processor.process({
      id: job.id!,
      data: job.data,
      attempt: job.attemptsMade + 1,
      signal: signal ?? new AbortController().signal,
      progress: (percent) => job.updateProgress(percent),
    });
  }

  private watch(worker: Worker): void {
    let erring = false;
    worker.on('error', (err) => {
      if (!erring) this.log.warn(`queue connection: ${err.message}`);
      erring = true;
    });
    worker.on('active', (job) => {
      erring = false;
      this.telemetry.started(job.name, (job.processedOn ?? Date.now()) - job.timestamp);
    });
    worker.on('completed', (job, result: { outcome?: string } | undefined) => {
      this.telemetry.finished(job.name, result?.outcome ?? 'applied', took(job));
    });
    worker.on('failed', (job, err) => {
      if (!job || err instanceof WaitingError) return;
      const retrying =
        job.attemptsMade < (job.opts.attempts ?? 1) && !(err instanceof UnrecoverableError);
      this.telemetry.finished(job.name, retrying ? 'retried' : 'failed', took(job));
      this.log.warn(`job ${job.id} attempt ${job.attemptsMade} failed: ${err.message}`);
    });
    worker.on('stalled', (jobId: string) => {
      void Job.fromId(worker, jobId).then(
        (job) => this.telemetry.outcome(job?.name ?? 'unknown', 'stalled'),
        () => this.telemetry.outcome('unknown', 'stalled'),
      );
    });
  }
}

function took(job: Job): number {
  return (job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now());
}

/** Never resolves; rejects when `signal` aborts. */
function aborted(signal?: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return;
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}
