import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config';
import { ValidationError } from '../problems/problem.errors';
import type { Written } from '../store/versioned-store';
import { DocumentNotFoundError, VersionMismatchError } from './document.errors';
import { DocumentStore, ExpectedVersions } from './document-store';
import type { DocumentFields } from './documents.repository';
import { DocumentPage, DocumentResponse } from './dto/document.response';
import { PageCursor } from './page-cursor';

/**
 * Documents' business rules: the body's size, the version a change applies to, and what a
 * missing document means. Caching, read routing and the outbox sit around the store it is given
 * (document-store.ts), not in here.
 */
@Injectable()
export class DocumentsService {
  private readonly maxBodyBytes: number;

  constructor(
    @Inject(DocumentStore) private readonly store: DocumentStore,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.maxBodyBytes = config.env.DOCUMENT_BODY_MAX_BYTES;
  }

  /**
   * `token`: the caller's X-Consistency-Token, if any: the read then includes that write. The
   * document, and its JSON bytes when the cache answered (serialized once per cache record: the
   * controller sends them instead of serializing the document again on every hit).
   */
  async get(
    tenantId: string,
    id: string,
    token?: string,
  ): Promise<{ doc: DocumentResponse; json?: Buffer }> {
    const { value, json } = await this.store.find(tenantId, id, { token });
    if (!value) throw new DocumentNotFoundError(id);
    return { doc: value, json };
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
    const written = await this.store.update(tenantId, id, fields, expected);
    if (!written) throw await this.whyNot(tenantId, id);
    return written;
  }

  /** The consistency token of the delete, if the store issues them. */
  async delete(
    tenantId: string,
    id: string,
    expected: ExpectedVersions,
  ): Promise<string | undefined> {
    const written = await this.store.delete(tenantId, id, expected);
    if (!written) throw await this.whyNot(tenantId, id);
    return written.token;
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

  /**
   * A conditional write matched no row: the document is gone, or at another version. Asked of
   * the primary: a replica could still show a version the write has already replaced.
   */
  private async whyNot(tenantId: string, id: string): Promise<Error> {
    const current = await this.store.currentVersion(tenantId, id);
    return current === undefined
      ? new DocumentNotFoundError(id)
      : new VersionMismatchError(id, current);
  }

  private checkBody(body: string): void {
    if (Buffer.byteLength(body, 'utf8') > this.maxBodyBytes) {
      throw new ValidationError([
        { field: 'body', reason: `must be at most ${this.maxBodyBytes} bytes of UTF-8` },
      ]);
    }
  }
}
