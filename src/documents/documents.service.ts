import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config';
import { ValidationError } from '../problems/problem.errors';
import { DocumentNotFoundError, VersionMismatchError } from './document.errors';
import { DocumentFields, DocumentsRepository, ExpectedVersions } from './documents.repository';
import { DocumentResponse } from './dto/document.response';
import { PageCursor } from './page-cursor';

@Injectable()
export class DocumentsService {
  private readonly maxBodyBytes: number;

  constructor(
    private readonly repository: DocumentsRepository,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.maxBodyBytes = config.env.DOCUMENT_BODY_MAX_BYTES;
  }

  async get(tenantId: string, id: string): Promise<DocumentResponse> {
    const doc = await this.repository.findById(tenantId, id);
    if (!doc) throw new DocumentNotFoundError(id);
    return doc;
  }

  create(tenantId: string, fields: { title: string; body: string; tags?: string[] }) {
    this.checkBody(fields.body);
    return this.repository.create(tenantId, { ...fields, tags: fields.tags ?? [] });
  }

  async update(
    tenantId: string,
    id: string,
    fields: Partial<DocumentFields>,
    expected: ExpectedVersions,
  ): Promise<DocumentResponse> {
    if (fields.body !== undefined) this.checkBody(fields.body);
    const updated = await this.repository.update(tenantId, id, fields, expected);
    if (updated) return updated;
    throw await this.whyNot(tenantId, id);
  }

  async delete(tenantId: string, id: string, expected: ExpectedVersions): Promise<void> {
    if (await this.repository.delete(tenantId, id, expected)) return;
    throw await this.whyNot(tenantId, id);
  }

  list(tenantId: string, query: { limit: number; cursor?: string; tag?: string }) {
    const after = query.cursor === undefined ? undefined : PageCursor.parse(query.cursor);
    return this.repository.list(tenantId, { limit: query.limit, after, tag: query.tag });
  }

  /** A conditional write matched no row: the document is gone, or at another version. */
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
