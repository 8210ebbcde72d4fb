/**
 * A write's indexing, inline: the job runs after the commit and before the answer
 * (indexed-documents.ts asks, for each create and update).
 */
// pattern:queue:begin
// With the queue, QUEUE on sends it through the outbox instead: the write's own statement puts the
// request there (documents.repository.ts) and the relay is nudged once it has committed. QUEUE off
// keeps it inline, the baseline that shows what load leveling buys; so does removing the queue
// pattern (`npm run pattern:remove -- queue`).
// pattern:queue:end
// pattern:queue:begin
import { OutboxRelay, runInline, type OutboxRequest } from '@docscale/queue';
import { Toggles } from '@docscale/toggles';
// pattern:queue:end
import { Injectable, Logger } from '@nestjs/common';
// pattern:queue:begin
import { DocumentJobIds } from './document-jobs';
// pattern:queue:end
import { IndexDocumentJob } from './index-document.job';

@Injectable()
export class Indexing {
  private readonly log = new Logger('Indexing');

  constructor(
    // pattern:queue:begin
    private readonly toggles: Toggles,
    private readonly relay: OutboxRelay,
    // pattern:queue:end
    private readonly job: IndexDocumentJob,
  ) {}

  // pattern:queue:begin
  /**
   * QUEUE on: the request the write puts in the outbox; undefined: QUEUE is off, index it inline.
   * Asked once per write, before it: the same write must not be both queued and inline.
   */
  outboxRequest(): OutboxRequest | undefined {
    return this.toggles.isOn('QUEUE') ? this.relay.request() : undefined;
  }

  /** A write with an outbox request committed: the relay sends it now, not at its next poll. */
  requested(): void {
    this.relay.nudge();
  }
  // pattern:queue:end

  /**
   * After the commit, before the answer. A failure is logged and the document stays unindexed
   * (the write is committed and must be acknowledged): there is no retry without the queue.
   */
  async inline(tenantId: string, doc: { id: string; version: number }): Promise<void> {
    const data = { tenantId, documentId: doc.id, version: doc.version };
    // pattern:queue:begin
    const run = runInline(this.job, DocumentJobIds.index(doc.id, doc.version), data);
    // pattern:queue:else
    // const run = this.job.process({ data });
    // pattern:queue:end
    await run.catch((err: Error) =>
      this.log.warn(`inline indexing of ${doc.id} v${doc.version} failed: ${err.message}`),
    );
  }
}
