/**
 * The base of every decorator around a store: each method hands its call to the store inside,
 * unchanged. A pattern's decorator extends it and overrides only the methods the pattern changes,
 * so what it does is all that its file says.
 */
import type {
  ExpectedVersions,
  Found,
  ReadContext,
  Versioned,
  VersionedStore,
  Written,
} from './versioned-store';

export class ForwardingStore<
  T extends Versioned,
  New,
  Change,
  Query,
  Page,
  /** The store inside, when a decorator needs more of it than the port (the outbox's writes). */
  Inner extends VersionedStore<T, New, Change, Query, Page> = VersionedStore<
    T,
    New,
    Change,
    Query,
    Page
  >,
> implements VersionedStore<T, New, Change, Query, Page> {
  constructor(protected readonly inner: Inner) {}

  find(scope: string, id: string, read: ReadContext): Promise<Found<T>> {
    return this.inner.find(scope, id, read);
  }

  list(scope: string, query: Query, read: ReadContext): Promise<Page> {
    return this.inner.list(scope, query, read);
  }

  create(scope: string, fields: New): Promise<Written<T>> {
    return this.inner.create(scope, fields);
  }

  update(
    scope: string,
    id: string,
    fields: Change,
    expected: ExpectedVersions,
  ): Promise<Written<T> | undefined> {
    return this.inner.update(scope, id, fields, expected);
  }

  delete(
    scope: string,
    id: string,
    expected: ExpectedVersions,
  ): Promise<Written<number> | undefined> {
    return this.inner.delete(scope, id, expected);
  }

  currentVersion(scope: string, id: string): Promise<number | undefined> {
    return this.inner.currentVersion(scope, id);
  }
}
