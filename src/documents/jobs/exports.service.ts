/**
 * Export requests. An export changes no document, so there is nothing to be atomic with and no
 * outbox: the job is enqueued directly, and a 202 means BullMQ has it. When the backlog is past
 * QUEUE_MAX_DEPTH, or Redis is unreachable, the request is refused with a 503 and Retry-After
 * (nothing was accepted, nothing is lost). With QUEUE off the export is rendered in the request.
 *
 * Intake is a bulkhead (cockatiel): at most EXPORT_INTAKE_CONCURRENCY export requests of this
 * instance are worked on at once, the next EXPORT_INTAKE_QUEUE wait their turn, and any more are
 * refused (503 overloaded, Retry-After 1). Taking in an export costs a few round trips; a burst of
 * them taken in all at once fills the instance's CPU and makes its reads wait behind them (the
 * queue-burst experiment: read p99 46x its idle p99 with 50 exports in flight). Bounded, the
 * intake stretches over a little more time and the reads keep their latency: the queue is what
 * absorbs the burst, not the API.
 */
import { JobQueue, runInline } from '@docscale/queue';
import { Toggles } from '@docscale/toggles';
import { OverloadedError } from '@docscale/resilience';
import { Inject, Injectable } from '@nestjs/common';
import { bulkhead, BulkheadRejectedError, type BulkheadPolicy } from 'cockatiel';
import { AppConfig } from '../../config';
import { JobResponse } from './dto/job.response';
import { completedExport, JobsService } from './jobs.service';
import { DocumentNotFoundError } from '../document.errors';
import { DocumentsRepository } from '../documents.repository';
import { DocumentJobIds, EXPORT_JOB } from './document-jobs';
import { ExportDocumentJob } from './export-document.job';

@Injectable()
export class ExportsService {
  private readonly intake: BulkheadPolicy;

  constructor(
    private readonly documents: DocumentsRepository,
    private readonly queue: JobQueue,
    private readonly jobs: JobsService,
    private readonly job: ExportDocumentJob,
    private readonly toggles: Toggles,
    @Inject(AppConfig) { env }: AppConfig,
  ) {
    this.intake = bulkhead(env.EXPORT_INTAKE_CONCURRENCY, env.EXPORT_INTAKE_QUEUE);
  }

  /** The export of the document's current version; `queued` false when it ran inline. */
  async request(tenantId: string, id: string): Promise<{ job: JobResponse; queued: boolean }> {
    try {
      return await this.intake.execute(() => this.take(tenantId, id));
    } catch (err) {
      if (err instanceof BulkheadRejectedError) throw new OverloadedError('export-intake', 1);
      throw err;
    }
  }

  private async take(tenantId: string, id: string): Promise<{ job: JobResponse; queued: boolean }> {
    const version = await this.documents.currentVersion(tenantId, id);
    if (version === undefined) throw new DocumentNotFoundError(id);
    const jobId = DocumentJobIds.export(id, version);
    const data = { tenantId, documentId: id, version };
    if (!this.toggles.isOn('QUEUE')) {
      // Inline: the answer is this run's own result (the queue may hold an older job of this id).
      const result = await runInline(this.job, jobId, data);
      const finishedAt = new Date().toISOString();
      return { job: completedExport(jobId, data, finishedAt, result), queued: false };
    }
    await this.queue.admit();
    await this.queue.enqueue([{ name: EXPORT_JOB, id: jobId, data }]);
    return { job: await this.jobs.findQueued(tenantId, jobId), queued: true };
  }
}
