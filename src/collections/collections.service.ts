import { Inject, Injectable } from '@nestjs/common';
import { PageCursor } from '../http/page-cursor';
import type { ExpectedVersions, Written } from '../store/versioned-store';
import { VersionedRecords } from '../store/versioned-records';
import { CollectionNotFoundError, CollectionVersionMismatchError } from './collection.errors';
import { CollectionFields, CollectionStore } from './collection-store';
import { CollectionPage, CollectionResponse } from './dto/collection.response';

/**
 * Collections' business rules: what a missing collection means and the version a change applies
 * to. The cache, read routing and read-your-writes sit around the store (collection-store.ts).
 */
@Injectable()
export class CollectionsService {
  private readonly records: VersionedRecords<CollectionResponse, Partial<CollectionFields>>;

  constructor(@Inject(CollectionStore) private readonly store: CollectionStore) {
    this.records = new VersionedRecords(store, {
      notFound: (id) => new CollectionNotFoundError(id),
      versionMismatch: (id, current) => new CollectionVersionMismatchError(id, current),
    });
  }

  /** `token`: the caller's X-Consistency-Token, if any; `json`: the cache's bytes on a hit. */
  get(
    tenantId: string,
    id: string,
    token?: string,
  ): Promise<{ value: CollectionResponse; json?: Buffer }> {
    return this.records.find(tenantId, id, { token });
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

  update(
    tenantId: string,
    id: string,
    fields: Partial<CollectionFields>,
    expected: ExpectedVersions,
  ): Promise<Written<CollectionResponse>> {
    return this.records.update(tenantId, id, fields, expected);
  }

  /** The consistency token of the delete, if the store issues them. */
  delete(tenantId: string, id: string, expected: ExpectedVersions): Promise<string | undefined> {
    return this.records.delete(tenantId, id, expected);
  }
}
