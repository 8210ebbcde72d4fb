/**
 * Indexing around the documents repository: every create and update gets its document's derived
 * search data (jobs/index-document.job.ts). Inline, the job runs after the commit and before the
 * answer: before read-your-writes reads the token outside, too, so the token covers the indexed
 * data.
 */
// pattern:queue:begin
// With QUEUE on, a write requests it instead: the repository's `…WithIndexRequest` forms write the
// request as an outbox row in the write's own statement (both commit or neither), the relay is
// nudged once it has committed, and a worker runs the job (jobs/indexing.ts). QUEUE off: inline.
// pattern:queue:end
import { ForwardingStore } from '../store/forwarding-store';
import type { Written } from '../store/versioned-store';
import type { DocumentQuery, ExpectedVersions } from './document-store';
import { DocumentFields, DocumentsRepository } from './documents.repository';
import type { DocumentPage, DocumentResponse } from './dto/document.response';
import { Indexing } from './jobs/indexing';

export class IndexedDocuments extends ForwardingStore<
  DocumentResponse,
  DocumentFields,
  Partial<DocumentFields>,
  DocumentQuery,
  DocumentPage,
  DocumentsRepository
> {
  constructor(
    repository: DocumentsRepository,
    private readonly indexing: Indexing,
  ) {
    super(repository);
  }

  override async create(
    tenantId: string,
    fields: DocumentFields,
  ): Promise<Written<DocumentResponse>> {
    // pattern:queue:begin
    const index = this.indexing.outboxRequest();
    if (index) {
      return this.requested(await this.inner.createWithIndexRequest(tenantId, fields, index));
    }
    // pattern:queue:end
    return this.indexed(tenantId, await this.inner.create(tenantId, fields));
  }

  override async update(
    tenantId: string,
    id: string,
    fields: Partial<DocumentFields>,
    expected: ExpectedVersions,
  ): Promise<Written<DocumentResponse> | undefined> {
    // pattern:queue:begin
    const index = this.indexing.outboxRequest();
    if (index) {
      return this.requested(
        await this.inner.updateWithIndexRequest(tenantId, id, fields, expected, index),
      );
    }
    // pattern:queue:end
    const written = await this.inner.update(tenantId, id, fields, expected);
    return written && this.indexed(tenantId, written);
  }

  // pattern:queue:begin
  private requested<W extends Written<DocumentResponse> | undefined>(written: W): W {
    if (written) this.indexing.requested();
    return written;
  }
  // pattern:queue:end

  private async indexed(
    tenantId: string,
    written: Written<DocumentResponse>,
  ): Promise<Written<DocumentResponse>> {
    await this.indexing.inline(tenantId, written.value);
    return written;
  }
}
