/**
 * Where a write's indexing goes. QUEUE on: the write's own statement puts the request in the
 * outbox (documents.repository.ts), and the relay is nudged once it has committed. QUEUE off: the
 * job runs inline before the answer, the baseline that shows what load leveling buys.
 */
import { OutboxRelay, runInline, type OutboxRequest } from '@docscale/queue';
import { Toggles } from '@docscale/toggles';
import { Injectable, Logger } from '@nestjs/common';
import { DocumentJobIds } from './document-jobs';
import { IndexDocumentJob } from './index-document.job';

/** The outbox row to write with a change (QUEUE on); undefined: index inline. */
export type IndexRequest = OutboxRequest | undefined;

@Injectable()
export class Indexing {
  private readonly log = new Logger('Indexing');

  constructor(
    private readonly toggles: Toggles,
    private readonly relay: OutboxRelay,
    private readonly job: IndexDocumentJob,
  ) {}

  /** Decided once per write, before it: the same write must not be both queued and inline. */
  request(): IndexRequest {
    return this.toggles.isOn('QUEUE') ? this.relay.request() : undefined;
  }

  /**
   * After the commit. Inline, a failure is logged and the document stays unindexed (the write
   * is committed and must be acknowledged): there is no retry without the queue.
   */
  async written(request: IndexRequest, tenantId: string, doc: { id: string; version: number }) {
    if (request) return this.relay.nudge();
    const data = { tenantId, documentId: doc.id, version: doc.version };
    await runInline(this.job, DocumentJobIds.index(doc.id, doc.version), data).catch((err: Error) =>
      this.log.warn(`inline indexing of ${doc.id} v${doc.version} failed: ${err.message}`),
    );
  }
}
