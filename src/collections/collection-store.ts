/**
 * The collections store as CollectionsService sees it, and its composition: the TypeORM
 * repository, then the patterns' decorators, the same ones the documents store uses
 * (src/store/). Dropping a pattern is deleting its line here.
 */
import { TieredCache } from '@docscale/cache'; // pattern:cache
import { ReadRouting } from '@docscale/database';
import type { FactoryProvider } from '@nestjs/common';
import { CachedStore } from '../store/cached-store'; // pattern:cache
import { ConsistentStore } from '../store/consistent-store';
import { SettledStore } from '../store/settled-store';
import type { VersionedStore } from '../store/versioned-store';
import type { PagePosition } from '../http/page-cursor';
import { CollectionsRepository } from './collections.repository';
import type { CollectionPage, CollectionResponse } from './dto/collection.response';

export interface CollectionFields {
  name: string;
  description: string;
}

/** A listing's page (the cursor already parsed). */
export interface CollectionQuery {
  limit: number;
  after?: PagePosition;
}

/** The port CollectionsService depends on, and its injection token (the same name). */
export type CollectionStore = VersionedStore<
  CollectionResponse,
  CollectionFields,
  Partial<CollectionFields>,
  CollectionQuery,
  CollectionPage
>;
export const CollectionStore = Symbol('CollectionStore');

/** As the documents store's, without indexing: the invalidation overlaps the token's read. */
export const collectionStoreProvider: FactoryProvider<CollectionStore> = {
  provide: CollectionStore,
  // pattern:cache:begin
  inject: [CollectionsRepository, TieredCache, ReadRouting],
  useFactory: (
    repository: CollectionsRepository,
    cache: TieredCache,
    reads: ReadRouting,
  ): CollectionStore => {
    // pattern:cache:else
    // inject: [CollectionsRepository, ReadRouting],
    // useFactory: (repository: CollectionsRepository, reads: ReadRouting): CollectionStore => {
    // pattern:cache:end
    let store: CollectionStore = repository;
    store = new CachedStore(store, cache, 'collection'); // pattern:cache
    store = new ConsistentStore(store, reads);
    return new SettledStore(store);
  },
};
