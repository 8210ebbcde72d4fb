/**
 * Where a write's indexing goes. QUEUE on: the write's own statement puts the request in the
 * outbox (documents.repository.ts), and the relay is nudged once it has committed. QUEUE off: the
 * job runs inline before the answer, the baseline that shows what load leveling buys. Without
 * the queue pattern (`npm run pattern:remove -- queue`), every write is indexed inline.
 */
// pattern:queue:begin
import { OutboxRelay, runInline, type OutboxRequest } from '@docscale/queue';
import { Toggles } from '@docscale/toggles';
// pattern:queue:end
import { Injectable, Logger } from '@nestjs/common';
// pattern:queue:begin
import { DocumentJobIds } from './document-jobs';
// pattern:queue:end
import { IndexDocumentJob } from './index-document.job';

// pattern:queue:begin
/** The outbox row to write with a change (QUEUE on); undefined: index inline. */
export type IndexRequest = OutboxRequest | undefined;
// pattern:queue:else
// /** Without the queue there is no request to write with a change: always indexed inline. */
// export type IndexRequest = undefined;
// pattern:queue:end

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

  /** Decided once per write, before it: the same write must not be both queued and inline. */
  request(): IndexRequest {
    // pattern:queue:begin
    return this.toggles.isOn('QUEUE') ? this.relay.request() : undefined;
    // pattern:queue:else
    // return undefined;
    // pattern:queue:end
  }

  /**
   * After the commit. Inline, a failure is logged and the document stays unindexed (the write
   * is committed and must be acknowledged): there is no retry without the queue.
   */
  async written(request: IndexRequest, tenantId: string, doc: { id: string; version: number }) {
    // pattern:queue:begin
    if (request) return this.relay.nudge();
    // pattern:queue:end
    const data = { tenantId, documentId: doc.id, version: doc.version };
    // pattern:queue:begin
    await runInline(this.job, DocumentJobIds.index(doc.id, doc.version), data).catch((err: Error) =>
      this.log.warn(`inline indexing of ${doc.id} v${doc.version} failed: ${err.message}`),
    );
    // pattern:queue:else
    // await this.job
    //   .process({ data })
    //   .catch((err: Error) =>
    //     this.log.warn(`inline indexing of ${doc.id} v${doc.version} failed: ${err.message}`),
    //   );
    // pattern:queue:end
  }
}
