/**
 * Read-your-writes around a store: a read's X-Consistency-Token is parsed into the position the
 * read must reflect (ReadRouting then sends it to a replica that has replayed that far, or to the
 * primary), and a committed write is answered with the token of everything committed so far.
 * The token is checked before anything is read: a forged or truncated one is a 400 whatever the
 * cache holds. docs/patterns/read-your-writes.md.
 */
import { ReadRouting } from '@docscale/database';
import {
  ExpectedVersions,
  Found,
  ReadContext,
  Versioned,
  VersionedStore,
  Written,
} from './versioned-store';

export class ConsistentStore<
  T extends Versioned,
  New,
  Change,
  Query,
  Page,
> implements VersionedStore<T, New, Change, Query, Page> {
  constructor(
    private readonly inner: VersionedStore<T, New, Change, Query, Page>,
    private readonly reads: ReadRouting,
  ) {}

  find(scope: string, id: string, read: ReadContext): Promise<Found<T>> {
    return this.inner.find(scope, id, this.positioned(read));
  }

  list(scope: string, query: Query, read: ReadContext): Promise<Page> {
    return this.inner.list(scope, query, this.positioned(read));
  }

  async create(scope: string, fields: New): Promise<Written<T>> {
    return this.tokened(await this.inner.create(scope, fields));
  }

  async update(
    scope: string,
    id: string,
    fields: Change,
    expected: ExpectedVersions,
  ): Promise<Written<T> | undefined> {
    const written = await this.inner.update(scope, id, fields, expected);
    return written && this.tokened(written);
  }

  async delete(
    scope: string,
    id: string,
    expected: ExpectedVersions,
  ): Promise<Written<number> | undefined> {
    const written = await this.inner.delete(scope, id, expected);
    return written && this.tokened(written);
  }

  currentVersion(scope: string, id: string): Promise<number | undefined> {
    return this.inner.currentVersion(scope, id);
  }

  private positioned(read: ReadContext): ReadContext {
    return { ...read, after: this.reads.parseToken(read.token) };
  }

  /** After the commit (and the decorators inside it, the cache's invalidation among them). */
  private async tokened<V>(written: Written<V>): Promise<Written<V>> {
    return { ...written, token: await this.reads.afterWrite() };
  }
}
