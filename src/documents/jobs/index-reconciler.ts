/**
 * Re-requests indexing for documents left unindexed. The outbox guarantees a job reaches Redis;
 * it cannot bring back a job Redis lost after it had it: a Redis crash loses up to its last
 * second of writes (AOF `everysec`), and relayed rows are already marked sent. An inline run
 * (QUEUE=off) that failed has no retry either. So, where the relay runs and the queue is on,
 * every INDEX_RECONCILE_INTERVAL_MS this sweep writes an outbox row for each document whose
 * index lags its version and that changed more than INDEX_RECONCILE_AFTER_MS ago (longer than a
 * healthy backlog takes), unless one was written in that time.
 *
 * Safe to run on every instance at once: a row requested twice is one job (its id), and a job
 * still held by BullMQ (waiting, or failed after its attempts) is not run again by a resend.
 *
 * The one read across tenants: it goes through the `unindexed_documents` view, which row-level
 * security does not filter and which shows no content (migrations/1765300000000-row-level-security.ts).
 */
import { Database } from '@docscale/database';
import { OutboxRelay, outboxInsertUnlessRequested } from '@docscale/queue';
import { Toggles } from '@docscale/toggles';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '../../config';
import { INDEX_JOB_COLUMNS } from './document-jobs';

/** Documents re-requested per sweep. */
const SWEEP_LIMIT = 100;

@Injectable()
export class IndexReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('IndexReconciler');
  private readonly afterMs: number;
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;

  constructor(
    private readonly db: Database,
    private readonly relay: OutboxRelay,
    private readonly toggles: Toggles,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.afterMs = config.env.INDEX_RECONCILE_AFTER_MS;
    this.intervalMs = config.env.INDEX_RECONCILE_INTERVAL_MS;
  }

  onApplicationBootstrap(): void {
    if (!this.relay.relaying || this.afterMs === 0) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Writes the outbox rows of one sweep; the number of documents re-requested. */
  async sweep(): Promise<number> {
    const rows = await this.db.query<{ job_id: string }>(
      `WITH lagging AS (
         SELECT ${INDEX_JOB_COLUMNS}, updated_at FROM unindexed_documents
          WHERE updated_at < clock_timestamp() - $2 * interval '1 millisecond')
       ${outboxInsertUnlessRequested(
         'lagging',
         { queueParam: '$1', withinMsParam: '$2' },
         { orderBy: 'updated_at', limit: SWEEP_LIMIT },
       )}`,
      [this.relay.queueName, this.afterMs],
    );
    if (rows.length > 0) {
      this.log.warn(`re-requested indexing of ${rows.length} unindexed documents`);
      this.relay.nudge();
    }
    return rows.length;
  }

  private async tick(): Promise<void> {
    if (this.sweeping || !this.toggles.isOn('QUEUE')) return;
    this.sweeping = this.sweep().catch((err: Error) => {
      this.log.warn(`sweep failed: ${err.message}`);
      return 0;
    });
    await this.sweeping;
    this.sweeping = undefined;
  }
}
