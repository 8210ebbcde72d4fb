/**
 * The tiered cache around a store (cache-aside, libs/cache): `find` answers from L1/L2 or fills
 * them from the store inside, and every committed write invalidates its key on every instance
 * before it is answered. The cache stores what the store returns as JSON: a store under it must
 * return plain JSON-shaped records (strings for times, no class instances), or a hit would differ
 * from a miss. `list` is not cached (a page changes with every write in the tenant).
 * docs/patterns/cache-aside.md.
 */
import { TieredCache } from '@docscale/cache';
import { CommittedWrite, ForwardingStore } from './forwarding-store';
import { addPending } from './settled-store';
import type { Found, ReadContext, Versioned, VersionedStore, Written } from './versioned-store';

export class CachedStore<T extends Versioned, New, Change, Query, Page> extends ForwardingStore<
  T,
  New,
  Change,
  Query,
  Page
> {
  /**
   * `kind` names the records in their cache keys (`<kind>:<tenant>:<id>`): scoped by tenant like
   * every query, though ids are unique anyway, so no tenant can reach another's.
   */
  constructor(
    inner: VersionedStore<T, New, Change, Query, Page>,
    private readonly cache: TieredCache,
    private readonly kind: string,
  ) {
    super(inner);
  }

  override async find(scope: string, id: string, read: ReadContext): Promise<Found<T>> {
    const { value, body } = await this.cache.get<T>(
      this.key(scope, id),
      read.after?.lsn,
      async (positioned) => {
        const found = await this.inner.find(scope, id, { ...read, positioned });
        return {
          value: found.value ?? null,
          version: found.value?.version ?? 0,
          atLsn: found.atLsn,
        };
      },
    );
    return { value: value ?? undefined, json: body, atLsn: null };
  }

  /**
   * A committed write's invalidation, begun here and awaited before the answer by the
   * composition's outermost step (settled-store.ts): read-your-writes' token is read meanwhile.
   * A create invalidates too: it can follow a cached "not found" of its id only by a client
   * guessing ids, but the record it leaves also refuses any fill of an older read.
   */
  protected override committed<V>(written: Written<V>, write: CommittedWrite): Written<V> {
    const { scope, id, ...change } = write;
    return addPending(written, this.cache.written(this.key(scope, id), change));
  }

  private key(scope: string, id: string): string {
    return `${this.kind}:${scope}:${id}`;
  }
}
