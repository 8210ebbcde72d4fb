/**
 * The transactional outbox's relay: moves requested jobs from Postgres into BullMQ.
 *
 * Problem: a change and the job it asks for must both happen or neither. Enqueueing after the
 * commit loses the job when Redis is down or the process dies in between; enqueueing before it
 * runs jobs for writes that rolled back. Mechanism: the request is an `outbox` row written by the
 * same statement as the change (outbox-insert.ts); this relay reads unsent rows, enqueues
 * them and marks them sent, one transaction per batch.
 * - Several instances relay at once: `FOR UPDATE SKIP LOCKED` gives each row to one relay; the
 *   others skip it rather than wait for it.
 * - Enqueued but not marked (the process died, the commit failed): the row is sent again with the
 *   same job id, which BullMQ ignores while the job exists (QUEUE_KEEP_COMPLETED_MS covers that).
 * - Redis down: the enqueue fails fast, the transaction rolls back and the rows wait; the poll
 *   tries again every OUTBOX_POLL_MS. Writes never wait for Redis.
 * Latency: the instance that wrote a row nudges its own relay after the commit, so a job normally
 * reaches the queue a round trip later; the poll catches the rest. Not LISTEN/NOTIFY: NOTIFY
 * serialises every committing transaction that uses it on one lock, a cost on the write path.
 */
import { Database } from '@docscale/database';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { JobRequest } from './job-processor';
import { JobTrace } from './job-trace';
import { JobQueue } from './job-queue';
import { QUEUE_OPTIONS } from './queue.module-definition';
import { QueueOptions, RelayOptions } from './queue.options';
import { QueueTelemetry } from './queue-telemetry';

/** The outbox columns a change provides; the rest (job name, id, data) come from the change. */
export interface OutboxRequest {
  queue: string;
  trace: Record<string, string>;
}

interface OutboxRow {
  id: string;
  job_name: string;
  job_id: string;
  data: Record<string, unknown>;
  trace: Record<string, string>;
}

@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('OutboxRelay');
  private readonly relay?: RelayOptions;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private failing = false;
  private poll?: NodeJS.Timeout;
  private lastPrune = 0;
  /** This relay's queue, as outbox rows name it (`<prefix>:<queue name>`). */
  readonly queueName: string;

  constructor(
    @Inject(QUEUE_OPTIONS) options: QueueOptions,
    private readonly db: Database,
    private readonly queue: JobQueue,
    private readonly telemetry: QueueTelemetry,
  ) {
    this.relay = options.relay;
    this.queueName = `${options.prefix}:${options.queueName}`;
  }

  /** True where this process relays (so it is where periodic outbox writers belong too). */
  get relaying(): boolean {
    return this.relay !== undefined;
  }

  /**
   * What a change writes into its outbox row (as one jsonb parameter: `queue`, and `trace`, the
   * active request's trace context), the parameter outboxInsert() names.
   */
  request(): OutboxRequest {
    return { queue: this.queueName, trace: JobTrace.capture() };
  }

  onApplicationBootstrap(): void {
    if (!this.relay) return;
    this.telemetry.observeOutbox(() => this.backlog());
    this.poll = setInterval(() => this.nudge(), this.relay.pollMs).unref();
    this.nudge();
  }

  /** Rows were committed: relay now, or right after the pass in progress. */
  nudge(): void {
    if (!this.relay || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      // A nudge that came after drain's last look at `again` must not wait for the poll.
      if (this.again) this.nudge();
    });
  }

  /** Relays until the outbox is empty; a failure leaves the rest to the next poll. */
  async drain(): Promise<void> {
    const batchSize = this.relay!.batchSize;
    do {
      this.again = false;
      try {
        while (!this.stopped && (await this.relayBatch(batchSize)) === batchSize);
        await this.pruneSent();
        if (this.failing) this.log.log('relaying again');
        this.failing = false;
      } catch (err) {
        if (!this.failing) this.log.warn(`cannot relay, rows wait in the outbox: ${describe(err)}`);
        this.failing = true;
        this.again = false; // while failing, only the poll retries: writes do not each try
        return;
      }
    } while (this.again && !this.stopped);
  }

  /** Rows not yet handed to the queue, and the age of the oldest. */
  async backlog(): Promise<{ pending: number; oldestAgeMs: number }> {
    const [row] = await this.db.query<{ pending: string; age_ms: number | null }>(
      `SELECT count(*) AS pending,
              (SELECT extract(epoch FROM clock_timestamp() - created_at) * 1000
                 FROM outbox WHERE queue = $1 AND sent_at IS NULL ORDER BY id LIMIT 1) AS age_ms
         FROM outbox WHERE queue = $1 AND sent_at IS NULL`,
      [this.queueName],
    );
    return { pending: Number(row.pending), oldestAgeMs: Math.max(0, row.age_ms ?? 0) };
  }

  /** Unsent rows of `jobId` (a job still waiting in the outbox), for /v1/jobs/:id. */
  async pending(jobId: string): Promise<JobRequest | undefined> {
    const [row] = await this.db.query<OutboxRow>(
      `SELECT id, job_name, job_id, data, trace FROM outbox
        WHERE queue = $1 AND job_id = $2 AND sent_at IS NULL ORDER BY id LIMIT 1`,
      [this.queueName, jobId],
    );
    return row && toRequest(row);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    await this.running;
  }

  private async relayBatch(limit: number): Promise<number> {
    // A batch that fails has its client destroyed (withPrimaryClient), its transaction with it.
    const sent = await this.db.withPrimaryClient(async (client) => {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, job_name, job_id, data, trace FROM outbox
          WHERE queue = $1 AND sent_at IS NULL ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [this.queueName, limit],
      );
      if (rows.length > 0) {
        await this.queue.enqueue(rows.map(toRequest));
        await client.query(
          `UPDATE outbox SET sent_at = clock_timestamp() WHERE id = ANY($1::bigint[])`,
          [rows.map((r) => r.id)],
        );
      }
      await client.query('COMMIT');
      return rows.length;
    });
    this.telemetry.sent(sent);
    return sent;
  }

  /** Deletes this queue's rows sent longer ago than the retention, at most once per poll interval. */
  private async pruneSent(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < this.relay!.pollMs) return;
    this.lastPrune = now;
    await this.db.query(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox
          WHERE queue = $1 AND sent_at < clock_timestamp() - $2 * interval '1 millisecond'
          LIMIT 10000)`,
      [this.queueName, this.relay!.retentionMs],
    );
  }
}

function toRequest(row: OutboxRow): JobRequest {
  return { name: row.job_name, id: row.job_id, data: row.data, trace: row.trace };
}

function describe(err: unknown): string {
  const cause = (err as Error).cause as Error | undefined;
  return cause ? `${(err as Error).message} (${cause.message})` : (err as Error).message;
}
