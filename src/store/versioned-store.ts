/**
 * The boundary the patterns wrap: a store of versioned, tenant-scoped records, as a service sees
 * it. A repository implements it (raw SQL for documents, TypeORM for collections); each pattern is
 * a decorator implementing it too and delegating to the store inside (forwarding-store.ts;
 * consistent-store.ts, cached-store.ts), composed where the feature module registers its store,
 * with SettledStore outermost (settled-store.ts). Removing a pattern is removing its decorator
 * from that composition: the service, which holds the business rules only, does not change.
 */
import type { ConsistencyPoint } from '@docscale/database';

/** What a read carries on its way down the decorators; each pattern adds what it knows. */
export interface ReadContext {
  /** The caller's X-Consistency-Token, as sent (read-your-writes). */
  token?: string;
  /** The token's position, once parsed: the read must reflect every write up to it. */
  after?: ConsistencyPoint;
  /** Learn the WAL position the record was read at (`Found.atLsn`): a cache fill needs it. */
  positioned?: boolean;
}

export interface Found<T> {
  /** The record, or undefined when the tenant has none by that id. */
  value: T | undefined;
  /**
   * `value` as UTF-8 JSON when a cache answered: serialized once per cache record, so the
   * controller sends these bytes instead of serializing the record again on every hit.
   */
  json?: Buffer;
  /** Where it was read (ReadRouting's Routed.atLsn); null when unknown. */
  atLsn: bigint | null;
}

/** A committed write's result, with the consistency token a later read may carry. */
export interface Written<T> {
  value: T;
  /** Set by the read-your-writes decorator; absent without it. */
  token?: string;
  /**
   * Work begun after the commit that the answer must wait for but nothing inside the write does
   * (the cache's invalidation): left running so that the decorators outside do theirs meanwhile.
   * Added with `addPending`, awaited by the composition's outermost step (settled-store.ts); the
   * service never sees it.
   */
  pending?: Promise<void>;
}

/** A record with an id and a version that every change increments (the ETag). */
export interface Versioned {
  id: string;
  version: number;
}

/** The versions a conditional write may apply to (from If-Match); `any` when unconditional. */
export type ExpectedVersions = number[] | 'any';

/**
 * `scope` is the tenant: every method reads and writes that tenant's records only. A conditional
 * write that matches nothing (gone, or at another version) returns undefined; the service asks
 * `currentVersion` why.
 */
export interface VersionedStore<T extends Versioned, New, Change, Query, Page> {
  find(scope: string, id: string, read: ReadContext): Promise<Found<T>>;
  list(scope: string, query: Query, read: ReadContext): Promise<Page>;
  create(scope: string, fields: New): Promise<Written<T>>;
  update(
    scope: string,
    id: string,
    fields: Change,
    expected: ExpectedVersions,
  ): Promise<Written<T> | undefined>;
  /** The deleted version. */
  delete(
    scope: string,
    id: string,
    expected: ExpectedVersions,
  ): Promise<Written<number> | undefined>;
  /** Asked of the primary: a replica could still show a version a write has already replaced. */
  currentVersion(scope: string, id: string): Promise<number | undefined>;
}
