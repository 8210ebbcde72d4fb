/**
 * The documents store as DocumentsService sees it, and its composition: the SQL repository, then
 * each pattern's decorator around it. A template user who drops a pattern deletes its line here
 * (and its provider's injection); the service does not change.
 */
import { TieredCache } from '@docscale/cache';
import { ReadRouting } from '@docscale/database';
import type { FactoryProvider } from '@nestjs/common';
import { CachedStore } from '../store/cached-store';
import { ConsistentStore } from '../store/consistent-store';
import type { VersionedStore } from '../store/versioned-store';
import type { DocumentFields } from './documents.repository';
import { DocumentsRepository } from './documents.repository';
import type { DocumentPage, DocumentResponse } from './dto/document.response';
import { IndexedDocuments } from './indexed-documents';
import { Indexing } from './jobs/indexing';
import type { PagePosition } from './page-cursor';

export type { ExpectedVersions } from '../store/versioned-store';

/** A listing's filters and page (the cursor already parsed). */
export interface DocumentQuery {
  limit: number;
  after?: PagePosition;
  tag?: string;
  q?: string;
}

/** The port DocumentsService depends on, and its injection token (the same name). */
export type DocumentStore = VersionedStore<
  DocumentResponse,
  DocumentFields,
  Partial<DocumentFields>,
  DocumentQuery,
  DocumentPage
>;
export const DocumentStore = Symbol('DocumentStore');

/**
 * Inside out: the outbox writes the indexing request in the write's own statement; the cache
 * invalidates before read-your-writes issues the token, both before the answer; reads parse the
 * token first (a bad one is a 400 whatever the cache holds), then ask the cache.
 */
export const documentStoreProvider: FactoryProvider<DocumentStore> = {
  provide: DocumentStore,
  inject: [DocumentsRepository, Indexing, TieredCache, ReadRouting],
  useFactory: (
    repository: DocumentsRepository,
    indexing: Indexing,
    cache: TieredCache,
    reads: ReadRouting,
  ): DocumentStore => {
    let store: DocumentStore = new IndexedDocuments(repository, indexing);
    store = new CachedStore(store, cache, 'doc');
    store = new ConsistentStore(store, reads);
    return store;
  },
};
