// pattern:cache:begin
import { TieredCache } from '@docscale/cache';
// pattern:cache:end
import { ReadRouting } from '@docscale/database';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config';
import { ValidationError } from '../problems/problem.errors';
import { DocumentNotFoundError, VersionMismatchError } from './document.errors';
import { DocumentFields, DocumentsRepository, ExpectedVersions } from './documents.repository';
import { DocumentPage, DocumentResponse } from './dto/document.response';
import { Indexing } from './jobs/indexing';
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
    // pattern:cache:begin
    private readonly cache: TieredCache,
    // pattern:cache:end
    private readonly indexing: Indexing,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.maxBodyBytes = config.env.DOCUMENT_BODY_MAX_BYTES;
  }

  /** `token`: the caller's X-Consistency-Token, if any: the read then includes that write. */
  /**
   * The document, and its JSON bytes when the cache answered (serialized once per cache record:
   * the controller sends them instead of serializing the document again on every hit).
   */
  async get(
    tenantId: string,
    id: string,
    token?: string,
  ): Promise<{ doc: DocumentResponse; json?: Buffer }> {
    const point = this.reads.parseToken(token);
    // pattern:cache:begin
    const { value, body } = await this.cache.get<DocumentResponse>(
      cacheKey(tenantId, id),
      point?.lsn,
      async (positioned) => {
        const { doc, atLsn } = await this.repository.findById(tenantId, id, point, positioned);
        return { value: doc ?? null, version: doc?.version ?? 0, atLsn };
      },
    );
    if (!value) throw new DocumentNotFoundError(id);
    return { doc: value, json: body };
    // pattern:cache:else
    // const { doc } = await this.repository.findById(tenantId, id, point);
    // if (!doc) throw new DocumentNotFoundError(id);
    // return { doc };
    // pattern:cache:end
  }

  async create(
    tenantId: string,
    fields: { title: string; body: string; tags?: string[] },
  ): Promise<Written<DocumentResponse>> {
    this.checkBody(fields.body);
    const index = this.indexing.request();
    const doc = await this.repository.create(
      tenantId,
      { ...fields, tags: fields.tags ?? [] },
      index,
    );
    await this.indexing.written(index, tenantId, doc);
    return { value: doc, token: await this.written(tenantId, doc.id, { version: doc.version }) };
  }

  async update(
    tenantId: string,
    id: string,
    fields: Partial<DocumentFields>,
    expected: ExpectedVersions,
  ): Promise<Written<DocumentResponse>> {
    if (fields.body !== undefined) this.checkBody(fields.body);
    const index = this.indexing.request();
    const updated = await this.repository.update(tenantId, id, fields, expected, index);
    if (!updated) throw await this.whyNot(tenantId, id);
    await this.indexing.written(index, tenantId, updated);
    return {
      value: updated,
      token: await this.written(tenantId, id, { version: updated.version }),
    };
  }

  async delete(tenantId: string, id: string, expected: ExpectedVersions): Promise<string> {
    const version = await this.repository.delete(tenantId, id, expected);
    if (version === undefined) throw await this.whyNot(tenantId, id);
    return this.written(tenantId, id, { version, deleted: true });
  }

  list(
    tenantId: string,
    query: { limit: number; cursor?: string; tag?: string; q?: string },
    token?: string,
  ): Promise<DocumentPage> {
    const after = query.cursor === undefined ? undefined : PageCursor.parse(query.cursor);
    const consistency = this.reads.parseToken(token);
    return this.repository.list(tenantId, {
      limit: query.limit,
      after,
      tag: query.tag,
      q: query.q,
      consistency,
    });
  }

  // pattern:cache:begin
  /** A committed write: caches invalidated and the read-your-writes token, before the answer. */
  private async written(
    tenantId: string,
    id: string,
    change: { version: number; deleted?: boolean },
  ): Promise<string> {
    const [, token] = await Promise.all([
      this.cache.written(cacheKey(tenantId, id), change),
      this.reads.afterWrite(),
    ]);
    return token;
  }
  // pattern:cache:else
  // /** A committed write: the read-your-writes token, before the answer. */
  // private written(
  //   _tenantId: string,
  //   _id: string,
  //   _change: { version: number; deleted?: boolean },
  // ): Promise<string> {
  //   return this.reads.afterWrite();
  // }
  // pattern:cache:end

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

// pattern:cache:begin
/** Scoped by tenant like every query (ids are unique anyway: no tenant can reach another's). */
function cacheKey(tenantId: string, id: string): string {
  return `doc:${tenantId}:${id}`;
}
// pattern:cache:end
