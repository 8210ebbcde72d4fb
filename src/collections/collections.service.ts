import { Inject, Injectable } from '@nestjs/common';
import type { ExpectedVersions, Written } from '../store/versioned-store';
import { CollectionNotFoundError, CollectionVersionMismatchError } from './collection.errors';
import { CollectionFields, CollectionStore } from './collection-store';
import { PageCursor } from '../documents/page-cursor';
import { CollectionPage, CollectionResponse } from './dto/collection.response';

/**
 * Collections' business rules: what a missing collection means and the version a change applies
 * to. The cache, read routing and read-your-writes sit around the store (collection-store.ts).
 */
@Injectable()
export class CollectionsService {
  constructor(@Inject(CollectionStore) private readonly store: CollectionStore) {}

  /** `token`: the caller's X-Consistency-Token, if any; `json`: the cache's bytes on a hit. */
  async get(
    tenantId: string,
    id: string,
    token?: string,
  ): Promise<{ collection: CollectionResponse; json?: Buffer }> {
    const { value, json } = await this.store.find(tenantId, id, { token });
    if (!value) throw new CollectionNotFoundError(id);
    return { collection: value, json };
  }

  list(
    tenantId: string,
    query: { limit: number; cursor?: string },
    token?: string,
  ): Promise<CollectionPage> {
    const after = query.cursor === undefined ? undefined : PageCursor.parse(query.cursor);
    return this.store.list(tenantId, { limit: query.limit, after }, { token });
  }

  create(
    tenantId: string,
    fields: { name: string; description?: string },
  ): Promise<Written<CollectionResponse>> {
    return this.store.create(tenantId, { ...fields, description: fields.description ?? '' });
  }

  async update(
    tenantId: string,
    id: string,
    fields: Partial<CollectionFields>,
    expected: ExpectedVersions,
  ): Promise<Written<CollectionResponse>> {
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

  /** A conditional write matched no row: the collection is gone, or at another version. */
  private async whyNot(tenantId: string, id: string): Promise<Error> {
    const current = await this.store.currentVersion(tenantId, id);
    return current === undefined
      ? new CollectionNotFoundError(id)
      : new CollectionVersionMismatchError(id, current);
  }
}
