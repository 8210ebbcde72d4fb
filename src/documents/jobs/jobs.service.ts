/**
 * Job status for a tenant, from wherever the job is: the queue (BullMQ keeps it while it runs and
 * for a while after), the outbox (requested while Redis was unreachable, not yet queued), or the
 * export artifacts (an inline export, or one whose queue record has expired). A job of another
 * tenant is reported as not found, like a document.
 */
import {
  JobNotRetryableError,
  JobQueue,
  OutboxRelay,
  QueueUnavailableError,
  type IndexPosition,
  type JobView,
  type ListableState,
} from '@docscale/queue';
import { Injectable } from '@nestjs/common';
import { EXPORT_JOB, type DocumentJobData } from './document-jobs';
import { DocumentJobsRepository } from './document-jobs.repository';
import { keysetCursor } from '../../http/page-cursor';
import { JobList, JobResponse } from './dto/job.response';
import { ArtifactNotFoundError, JobNotFoundError } from './job.errors';
import { JOB_ID } from './job-id.pipe';

/** The jobs listing's cursor: the documents' keyset cursor, over job ids. */
const JobCursor = keysetCursor(JOB_ID);

@Injectable()
export class JobsService {
  constructor(
    private readonly queue: JobQueue,
    private readonly relay: OutboxRelay,
    private readonly artifacts: DocumentJobsRepository,
  ) {}

  async find(tenantId: string, id: string): Promise<JobResponse> {
    // The outbox before the queue: the relay enqueues a job before it commits its row as sent, so
    // a row seen as sent (or gone) means the queue already has the job. Asked the other way
    // round, a relay between the two looks found the job in neither place: a 404 for a job that
    // exists (seen in the queue-faults e2e suite).
    const pending = await this.relay.pending(id);
    if (pending && owns(pending.data, tenantId)) {
      return toResponse({
        id,
        name: pending.name,
        data: pending.data,
        state: 'pending',
        progress: 0,
        attemptsMade: 0,
      });
    }
    return this.findQueued(tenantId, id);
  }

  /**
   * A job that never passes through the outbox (an export, enqueued by the request itself): the
   * queue, then the artifacts; one database round trip fewer than `find`.
   */
  async findQueued(tenantId: string, id: string): Promise<JobResponse> {
    let queued: JobView | undefined;
    let unreachable: unknown;
    try {
      queued = await this.queue.find(id);
    } catch (err) {
      if (!(err instanceof QueueUnavailableError)) throw err;
      unreachable = err;
    }
    if (queued && owns(queued.data, tenantId)) return toResponse(queued);
    const artifact = await this.artifacts.findExportInfo(tenantId, id);
    if (artifact) {
      const data = { documentId: artifact.documentId, version: artifact.version };
      const result = { outcome: 'applied', artifact: artifactLink(id) };
      return completedExport(id, data, artifact.createdAt.toISOString(), result);
    }
    if (unreachable) throw unreachable;
    throw new JobNotFoundError(id);
  }

  /** The tenant's jobs from their own index (libs/queue job-index.ts), newest first. */
  async list(
    tenantId: string,
    query: { state?: ListableState; limit: number; cursor?: string },
  ): Promise<JobList> {
    const after = query.cursor === undefined ? undefined : fromCursor(query.cursor);
    const page = await this.queue.listOwned(tenantId, { ...query, after });
    return {
      // The index is the tenant's own; the check stays so that a wrong entry can never leak.
      items: page.jobs.filter((job) => owns(job.data, tenantId)).map(toResponse),
      nextCursor: page.next ? toCursor(page.next) : null,
    };
  }

  /**
   * Replays a failed job (409 for any other state). A replay is new work for the workers, so it
   * passes the same admission as a new export: refused with 503 queue-full while the backlog is
   * at QUEUE_MAX_DEPTH (the controller also charges it to the exports rate class).
   */
  async retry(tenantId: string, id: string): Promise<JobResponse> {
    const job = await this.find(tenantId, id); // ownership: another tenant's job is not found
    // Told before admission: a job that is not failed is a 409 whatever the backlog.
    if (job.state !== 'failed') throw new JobNotRetryableError(id, job.state);
    await this.queue.admit();
    const replayed = await this.queue.retry(id);
    if (!replayed) throw new JobNotFoundError(id);
    return toResponse(replayed);
  }

  async artifact(tenantId: string, id: string) {
    const artifact = await this.artifacts.findExport(tenantId, id);
    if (!artifact) throw new ArtifactNotFoundError(id);
    return artifact;
  }
}

function owns(data: Record<string, unknown>, tenantId: string): boolean {
  return (data as Partial<DocumentJobData>).tenantId === tenantId;
}

/** Index positions are milliseconds: as the cursor's microsecond timestamp, with three zeros. */
function toCursor(position: IndexPosition): string {
  const createdAt = new Date(position.at).toISOString().replace('Z', '000Z');
  return JobCursor.encode({ createdAt, id: position.id });
}

function fromCursor(cursor: string): IndexPosition {
  const { createdAt, id } = JobCursor.parse(cursor);
  return { at: Date.parse(createdAt), id };
}

function artifactLink(id: string): string {
  return `/v1/jobs/${id}/artifact`;
}

/**
 * An export that completed where the queue does not see it: run in the request (QUEUE off), or
 * known by its artifact once the queue's record has expired.
 */
export function completedExport(
  id: string,
  data: Pick<DocumentJobData, 'documentId' | 'version'>,
  finishedAt: string,
  result: unknown,
): JobResponse {
  const job = { id, name: EXPORT_JOB, data, state: 'completed', progress: 100, attemptsMade: 1 };
  return toResponse({ ...job, finishedAt, result });
}

/** The API's view of a job, from the queue's (or an equivalent built from the outbox or an artifact). */
export function toResponse(job: Omit<JobView, 'createdAt'> & { createdAt?: string }): JobResponse {
  const data = job.data as Partial<DocumentJobData>;
  const self = `/v1/jobs/${job.id}`;
  const exported = job.name === 'export' && job.state === 'completed';
  const applied = (job.result as { outcome?: string } | undefined)?.outcome === 'applied';
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    progress: job.progress,
    attemptsMade: job.attemptsMade,
    documentId: data.documentId!,
    version: data.version!,
    createdAt: job.createdAt,
    processedAt: job.processedAt,
    finishedAt: job.finishedAt,
    failedReason: job.failedReason,
    result: job.result,
    links: {
      self,
      ...(exported && applied && { artifact: artifactLink(job.id) }),
      ...(job.state === 'failed' && { retry: `${self}/retry` }),
    },
  };
}
