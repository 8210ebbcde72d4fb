/**
 * The documents store as DocumentsService sees it, and its composition: the SQL repository, then
 * each pattern's decorator around it. A template user who drops a pattern deletes its line here
 * (and its provider's injection); the service does not change.
 */
import { TieredCache } from '@docscale/cache'; // pattern:cache
import { ReadRouting } from '@docscale/database';
import type { FactoryProvider } from '@nestjs/common';
import { CachedStore } from '../store/cached-store'; // pattern:cache
import { ConsistentStore } from '../store/consistent-store';
import { SettledStore } from '../store/settled-store';
import type { VersionedStore } from '../store/versioned-store';
import type { DocumentFields } from './documents.repository';
import { DocumentsRepository } from './documents.repository';
import type { DocumentPage, DocumentResponse } from './dto/document.response';
import { IndexedDocuments } from './indexed-documents';
import { Indexing } from './jobs/indexing';
import type { PagePosition } from '../http/page-cursor';

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
 * Inside out: indexing (indexed-documents.ts); the cache's invalidation, begun and left pending
 * while read-your-writes reads the token; then SettledStore, which answers once the invalidation
 * is done (settled-store.ts). Reads parse the token first (a bad one is a 400 whatever the cache
 * holds), then ask the cache.
 */
export const documentStoreProvider: FactoryProvider<DocumentStore> = {
  provide: DocumentStore,
  // pattern:cache:begin
  inject: [DocumentsRepository, Indexing, TieredCache, ReadRouting],
  useFactory: (
    repository: DocumentsRepository,
    indexing: Indexing,
    cache: TieredCache,
    reads: ReadRouting,
  ): DocumentStore => {
    // pattern:cache:else
    // inject: [DocumentsRepository, Indexing, ReadRouting],
    // useFactory: (
    //   repository: DocumentsRepository,
    //   indexing: Indexing,
    //   reads: ReadRouting,
    // ): DocumentStore => {
    // pattern:cache:end
    let store: DocumentStore = new IndexedDocuments(repository, indexing);
    store = new CachedStore(store, cache, 'doc'); // pattern:cache
    store = new ConsistentStore(store, reads);
    return new SettledStore(store);
  },
};
