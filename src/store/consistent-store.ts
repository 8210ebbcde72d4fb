/**
 * Read-your-writes around a store: a read's X-Consistency-Token is parsed into the position the
 * read must reflect (ReadRouting then sends it to a replica that has replayed that far, or to the
 * primary), and a committed write is answered with the token of everything committed so far.
 * The token is checked before anything is read: a forged or truncated one is a 400 whatever the
 * cache holds. docs/patterns/read-your-writes.md.
 */
import { ReadRouting } from '@docscale/database';
import { ForwardingStore } from './forwarding-store';
import type { Found, ReadContext, Versioned, VersionedStore, Written } from './versioned-store';

export class ConsistentStore<T extends Versioned, New, Change, Query, Page> extends ForwardingStore<
  T,
  New,
  Change,
  Query,
  Page
> {
  constructor(
    inner: VersionedStore<T, New, Change, Query, Page>,
    private readonly reads: ReadRouting,
  ) {
    super(inner);
  }

  override find(scope: string, id: string, read: ReadContext): Promise<Found<T>> {
    return this.inner.find(scope, id, this.positioned(read));
  }

  override list(scope: string, query: Query, read: ReadContext): Promise<Page> {
    return this.inner.list(scope, query, this.positioned(read));
  }

  private positioned(read: ReadContext): ReadContext {
    return { ...read, after: this.reads.parseToken(read.token) };
  }

  /**
   * Read once the write inside has committed, so the token covers it. The work the decorators
   * inside left pending (the cache's invalidation) is still running: its round trips overlap
   * this one, and the answer waits for both (settled-store.ts).
   */
  protected override async committed<V>(written: Written<V>): Promise<Written<V>> {
    return { ...written, token: await this.reads.afterWrite() };
  }
}
