/**
 * Indexing: the derived search data (word count, keywords, tsvector) of one document version.
 * Runs for every create and update, from the queue, or inline in the request when QUEUE is off.
 *
 * Jobs for one document can run out of order or twice (retries, a crash, a resent outbox row).
 * Only the job for the current version applies (CurrentDocument skips the others), and the
 * UPDATE itself re-checks the version, so an update that lands mid-job is never overwritten.
 */
// pattern:queue:begin
import type { JobProcessor, RunningJob } from '@docscale/queue';
// pattern:queue:end
import { Injectable } from '@nestjs/common';
import { CurrentDocument } from './current-document';
import { analyzeDocument } from './document-analysis';
import { DocumentJobData, DocumentJobResult, INDEX_JOB } from './document-jobs';
import { DocumentJobsRepository } from './document-jobs.repository';

// pattern:queue:begin
@Injectable()
export class IndexDocumentJob implements JobProcessor<DocumentJobData, DocumentJobResult> {
  // pattern:queue:else
  // @Injectable()
  // export class IndexDocumentJob {
  // pattern:queue:end
  readonly name = INDEX_JOB;

  constructor(
    private readonly repository: DocumentJobsRepository,
    private readonly current: CurrentDocument,
  ) {}

  // pattern:queue:begin
  async process(job: RunningJob<DocumentJobData>): Promise<DocumentJobResult> {
    // pattern:queue:else
    // async process(job: { data: DocumentJobData }): Promise<DocumentJobResult> {
    // pattern:queue:end
    const found = await this.current.load(job);
    if ('skipped' in found) return found.skipped;
    const { source } = found;
    const { data } = job;
    if (source.indexedVersion !== null && source.indexedVersion >= data.version) {
      return { outcome: 'skipped', reason: 'already indexed' };
    }
    const analysis = analyzeDocument(source.title, source.body);
    const applied = await this.repository.saveIndex(
      data.tenantId,
      data.documentId,
      data.version,
      analysis,
    );
    return applied ? { outcome: 'applied' } : { outcome: 'skipped', reason: 'document moved on' };
  }
}
