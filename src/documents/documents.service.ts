import { ReadRouting } from '@docscale/database';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config';
import { ValidationError } from '../problems/problem.errors';
import { DocumentNotFoundError, VersionMismatchError } from './document.errors';
import { DocumentFields, DocumentsRepository, ExpectedVersions } from './documents.repository';
import { DocumentPage, DocumentResponse } from './dto/document.response';
import { PageCursor } from './page-cursor';

/** A write's result with the consistency token a later read may carry (X-Consistency-Token). */
export interface Written<T> {
  value: T;
  token: string;
}

@Injectable()
export class DocumentsService {
  private readonly maxBodyBytes: number;

  constructor(
    private readonly repository: DocumentsRepository,
    private readonly reads: ReadRouting,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.maxBodyBytes = config.env.DOCUMENT_BODY_MAX_BYTES;
  }

  /** `token`: the caller's X-Consistency-Token, if any: the read then includes that write. */
  async get(tenantId: string, id: string, token?: string): Promise<DocumentResponse> {
    const doc = await this.repository.findById(tenantId, id, this.reads.parseToken(token));
    if (!doc) throw new DocumentNotFoundError(id);
    return doc;
  }

  async create(
    tenantId: string,
    fields: { title: string; body: string; tags?: string[] },
  ): Promise<Written<DocumentResponse>> {
    this.checkBody(fields.body);
    const doc = await this.repository.create(tenantId, { ...fields, tags: fields.tags ?? [] });
    return { value: doc, token: await this.reads.afterWrite() };
  }

  async update(
    tenantId: string,
    id: string,
    fields: Partial<DocumentFields>,
    expected: ExpectedVersions,
  ): Promise<Written<DocumentResponse>> {
    if (fields.body !== undefined) this.checkBody(fields.body);
    const updated = await this.repository.update(tenantId, id, fields, expected);
    if (!updated) throw await this.whyNot(tenantId, id);
    return { value: updated, token: await this.reads.afterWrite() };
  }

  async delete(tenantId: string, id: string, expected: ExpectedVersions): Promise<string> {
    if (!(await this.repository.delete(tenantId, id, expected))) {
      throw await this.whyNot(tenantId, id);
    }
    return this.reads.afterWrite();
  }

  list(
    tenantId: string,
    query: { limit: number; cursor?: string; tag?: string },
    token?: string,
  ): Promise<DocumentPage> {
    const after = query.cursor === undefined ? undefined : PageCursor.parse(query.cursor);
    const consistency = this.reads.parseToken(token);
    return this.repository.list(tenantId, {
      limit: query.limit,
      after,
      tag: query.tag,
      consistency,
    });
  }

  /**
   * A conditional write matched no row: the document is gone, or at another version. Asked of
   * the primary: a replica could still show a version the write has already replaced.
   */
  private async whyNot(tenantId: string, id: string): Promise<Error> {
    const current = await this.repository.currentVersion(tenantId, id);
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
