/**
 * The base of every decorator around a store: each method hands its call to the store inside,
 * unchanged. A pattern's decorator extends it and overrides only the methods the pattern changes,
 * so what it does is all that its file says. A decorator with work to do after a write commits
 * (a token to read, a key to invalidate, pending work to await) overrides `committed` alone: the
 * three writes route what they committed through it.
 */
import type {
  ExpectedVersions,
  Found,
  ReadContext,
  Versioned,
  VersionedStore,
  Written,
} from './versioned-store';

/** Which record a committed write changed, and to what version (a delete: the deleted one). */
export interface CommittedWrite {
  scope: string;
  id: string;
  version: number;
  /** True on a delete (absent otherwise). */
  deleted?: boolean;
}

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

  async create(scope: string, fields: New): Promise<Written<T>> {
    const written = await this.inner.create(scope, fields);
    return this.committed(written, { scope, id: written.value.id, version: written.value.version });
  }

  async update(
    scope: string,
    id: string,
    fields: Change,
    expected: ExpectedVersions,
  ): Promise<Written<T> | undefined> {
    const written = await this.inner.update(scope, id, fields, expected);
    return written && this.committed(written, { scope, id, version: written.value.version });
  }

  async delete(
    scope: string,
    id: string,
    expected: ExpectedVersions,
  ): Promise<Written<number> | undefined> {
    const written = await this.inner.delete(scope, id, expected);
    return written && this.committed(written, { scope, id, version: written.value, deleted: true });
  }

  currentVersion(scope: string, id: string): Promise<number | undefined> {
    return this.inner.currentVersion(scope, id);
  }

  /**
   * What a write answers, given what the store inside committed (`write` says which record):
   * here, that result unchanged. Not called for a conditional write that matched nothing.
   */
  protected committed<V>(
    written: Written<V>,
    _write: CommittedWrite,
  ): Written<V> | Promise<Written<V>> {
    return written;
  }
}
