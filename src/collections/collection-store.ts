/**
 * The collections store as CollectionsService sees it, and its composition: the TypeORM
 * repository, then the patterns' decorators, the same ones the documents store uses
 * (src/store/). Dropping a pattern is deleting its line here.
 */
import { TieredCache } from '@docscale/cache';
import { ReadRouting } from '@docscale/database';
import type { FactoryProvider } from '@nestjs/common';
import { CachedStore } from '../store/cached-store';
import { ConsistentStore } from '../store/consistent-store';
import type { VersionedStore } from '../store/versioned-store';
import type { PagePosition } from '../documents/page-cursor';
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

export const collectionStoreProvider: FactoryProvider<CollectionStore> = {
  provide: CollectionStore,
  inject: [CollectionsRepository, TieredCache, ReadRouting],
  useFactory: (
    repository: CollectionsRepository,
    cache: TieredCache,
    reads: ReadRouting,
  ): CollectionStore => {
    let store: CollectionStore = repository;
    store = new CachedStore(store, cache, 'collection');
    store = new ConsistentStore(store, reads);
    return store;
  },
};
