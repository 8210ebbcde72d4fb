/**
 * What every document job does first: apply the fault flags, load the document from the primary,
 * and skip the job when the document is gone or has moved on to another version (the job of
 * that version does the work), so that a job is never applied to a version it was not for.
 *
 * Fault flags (tests and experiments; refused in production): FAULT_JOB_DELAY_MS is latency per
 * job, the simulated heavy work, here rather than in the worker so that inline runs (QUEUE=off)
 * pay it too and the two modes compare the same work; FAULT_JOB_FAIL_TAG makes every job of a
 * document carrying that tag fail (a poison job).
 */
// pattern:queue:begin
import type { RunningJob } from '@docscale/queue';
import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../../config';
import { DocumentJobData, DocumentJobResult, InjectedJobFault } from './document-jobs';
// pattern:queue:else
// import { Injectable } from '@nestjs/common';
// import { DocumentJobData, DocumentJobResult } from './document-jobs';
// pattern:queue:end
import { DocumentJobsRepository, JobSource } from './document-jobs.repository';

export type Current = { source: JobSource } | { skipped: DocumentJobResult };

@Injectable()
export class CurrentDocument {
  // pattern:queue:begin
  private readonly delayMs: number;
  private readonly failTag: string;

  constructor(
    private readonly repository: DocumentJobsRepository,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.delayMs = config.env.FAULT_JOB_DELAY_MS;
    this.failTag = config.env.FAULT_JOB_FAIL_TAG;
  }

  async load({ data, signal }: RunningJob<DocumentJobData>): Promise<Current> {
    if (this.delayMs > 0) await sleep(this.delayMs, undefined, { signal });
    // pattern:queue:else
    // constructor(private readonly repository: DocumentJobsRepository) {}
    //
    // async load({ data }: { data: DocumentJobData }): Promise<Current> {
    // pattern:queue:end
    const source = await this.repository.findSource(data.tenantId, data.documentId);
    if (!source) return skip('document deleted');
    if (source.version !== data.version)
      return skip(`document moved on to version ${source.version}`);
    // pattern:queue:begin
    if (this.failTag && source.tags.includes(this.failTag))
      throw new InjectedJobFault(this.failTag);
    // pattern:queue:end
    return { source };
  }
}

function skip(reason: string): Current {
  return { skipped: { outcome: 'skipped', reason } };
}
