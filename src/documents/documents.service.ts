import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config';
import { ValidationError } from '../problems/problem.errors';
import { PageCursor } from '../http/page-cursor';
import type { Written } from '../store/versioned-store';
import { VersionedRecords } from '../store/versioned-records';
import { DocumentNotFoundError, VersionMismatchError } from './document.errors';
import { DocumentStore, ExpectedVersions } from './document-store';
import type { DocumentFields } from './documents.repository';
import { DocumentPage, DocumentResponse } from './dto/document.response';

/**
 * Documents' business rules: the body's size, the version a change applies to, and what a
 * missing document means. Caching, read routing and the outbox sit around the store it is given
 * (document-store.ts), not in here.
 */
@Injectable()
export class DocumentsService {
  private readonly maxBodyBytes: number;
  private readonly records: VersionedRecords<DocumentResponse, Partial<DocumentFields>>;

  constructor(
    @Inject(DocumentStore) private readonly store: DocumentStore,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.maxBodyBytes = config.env.DOCUMENT_BODY_MAX_BYTES;
    this.records = new VersionedRecords(store, {
      notFound: (id) => new DocumentNotFoundError(id),
      versionMismatch: (id, current) => new VersionMismatchError(id, current),
    });
  }

  /**
   * `token`: the caller's X-Consistency-Token, if any: the read then includes that write. The
   * document, and its JSON bytes when the cache answered (serialized once per cache record: the
   * controller sends them instead of serializing the document again on every hit).
   */
  get(
    tenantId: string,
    id: string,
    token?: string,
  ): Promise<{ value: DocumentResponse; json?: Buffer }> {
    return this.records.find(tenantId, id, { token });
  }

  create(
    tenantId: string,
    fields: { title: string; body: string; tags?: string[] },
  ): Promise<Written<DocumentResponse>> {
    this.checkBody(fields.body);
    return this.store.create(tenantId, { ...fields, tags: fields.tags ?? [] });
  }

  async update(
    tenantId: string,
    id: string,
    fields: Partial<DocumentFields>,
    expected: ExpectedVersions,
  ): Promise<Written<DocumentResponse>> {
    if (fields.body !== undefined) this.checkBody(fields.body);
    return this.records.update(tenantId, id, fields, expected);
  }

  /** The consistency token of the delete, if the store issues them. */
  delete(tenantId: string, id: string, expected: ExpectedVersions): Promise<string | undefined> {
    return this.records.delete(tenantId, id, expected);
  }

  list(
    tenantId: string,
    query: { limit: number; cursor?: string; tag?: string; q?: string },
    token?: string,
  ): Promise<DocumentPage> {
    const after = query.cursor === undefined ? undefined : PageCursor.parse(query.cursor);
    return this.store.list(
      tenantId,
      { limit: query.limit, after, tag: query.tag, q: query.q },
      { token },
    );
  }

  private checkBody(body: string): void {
    if (Buffer.byteLength(body, 'utf8') > this.maxBodyBytes) {
      throw new ValidationError([
        { field: 'body', reason: `must be at most ${this.maxBodyBytes} bytes of UTF-8` },
      ]);
    }
  }
}
