/**
 * The outbox around the documents repository: each write decides where its indexing goes before
 * it runs (QUEUE on: an outbox row in the write's own statement, so both commit or neither),
 * then, once committed, nudges the relay or indexes inline (jobs/indexing.ts).
 */
import { Found, ReadContext, Written } from '../store/versioned-store';
import type { DocumentQuery, DocumentStore, ExpectedVersions } from './document-store';
import { DocumentFields, DocumentsRepository } from './documents.repository';
import type { DocumentPage, DocumentResponse } from './dto/document.response';
import { Indexing } from './jobs/indexing';

export class IndexedDocuments implements DocumentStore {
  constructor(
    private readonly repository: DocumentsRepository,
    private readonly indexing: Indexing,
  ) {}

  find(tenantId: string, id: string, read: ReadContext): Promise<Found<DocumentResponse>> {
    return this.repository.find(tenantId, id, read);
  }

  list(tenantId: string, query: DocumentQuery, read: ReadContext): Promise<DocumentPage> {
    return this.repository.list(tenantId, query, read);
  }

  async create(tenantId: string, fields: DocumentFields): Promise<Written<DocumentResponse>> {
    const index = this.indexing.request();
    const written = await this.repository.create(tenantId, fields, index);
    await this.indexing.written(index, tenantId, written.value);
    return written;
  }

  async update(
    tenantId: string,
    id: string,
    fields: Partial<DocumentFields>,
    expected: ExpectedVersions,
  ): Promise<Written<DocumentResponse> | undefined> {
    const index = this.indexing.request();
    const written = await this.repository.update(tenantId, id, fields, expected, index);
    if (written) await this.indexing.written(index, tenantId, written.value);
    return written;
  }

  delete(
    tenantId: string,
    id: string,
    expected: ExpectedVersions,
  ): Promise<Written<number> | undefined> {
    return this.repository.delete(tenantId, id, expected);
  }

  currentVersion(tenantId: string, id: string): Promise<number | undefined> {
    return this.repository.currentVersion(tenantId, id);
  }
}
