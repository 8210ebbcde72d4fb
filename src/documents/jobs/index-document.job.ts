/**
 * Indexing: the derived search data (word count, keywords, tsvector) of one document version.
 * Runs for every create and update, from the queue, or inline in the request when QUEUE is off.
 *
 * Jobs for one document can run out of order or twice (retries, a crash, a resent outbox row).
 * Only the job for the current version applies; one for an older version is skipped, and the
 * UPDATE itself re-checks the version, so an update that lands mid-job is never overwritten.
 */
import type { JobProcessor, RunningJob } from '@docscale/queue';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config';
import { analyzeDocument } from './document-analysis';
import { DocumentJobData, DocumentJobResult, INDEX_JOB, InjectedJobFault } from './document-jobs';
import { DocumentJobsRepository, JobSource } from './document-jobs.repository';

@Injectable()
export class IndexDocumentJob implements JobProcessor<DocumentJobData, DocumentJobResult> {
  readonly name = INDEX_JOB;
  private readonly failTag: string;

  constructor(
    private readonly repository: DocumentJobsRepository,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.failTag = config.env.FAULT_JOB_FAIL_TAG;
  }

  async process({ data }: RunningJob<DocumentJobData>): Promise<DocumentJobResult> {
    const source = await this.repository.findSource(data.tenantId, data.documentId);
    const stale = whyNotCurrent(source, data.version);
    if (stale) return { outcome: 'skipped', reason: stale };
    if (source!.indexedVersion !== null && source!.indexedVersion >= data.version) {
      return { outcome: 'skipped', reason: 'already indexed' };
    }
    if (this.failTag && source!.tags.includes(this.failTag))
      throw new InjectedJobFault(this.failTag);
    const analysis = analyzeDocument(source!.title, source!.body);
    const applied = await this.repository.saveIndex(
      data.tenantId,
      data.documentId,
      data.version,
      analysis,
    );
    return applied ? { outcome: 'applied' } : { outcome: 'skipped', reason: 'document moved on' };
  }
}

/** Why a job for `version` must not act on `source`, or undefined when it may. */
export function whyNotCurrent(source: JobSource | undefined, version: number): string | undefined {
  if (!source) return 'document deleted';
  if (source.version !== version) return `document moved on to version ${source.version}`;
  return undefined;
}
