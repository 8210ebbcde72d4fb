/** What a read through ReadRouting gives back, and what it can be asked for. */

/** A routed read's result: what `work` returned, where it ran and how new it is. */
export interface Routed<T> {
  value: T;
  /** `primary` or `replica-<n>`. */
  servedBy: string;
  /**
   * A WAL position the rows are at least as new as: they reflect every write whose consistency
   * token is at or below it. A replica read gives its known replay position; a primary read gives
   * null unless `positioned` was asked for. A cache refuses an entry whose atLsn is below a
   * caller's token.
   */
  atLsn: bigint | null;
}

export interface RoutedRows<T> extends Omit<Routed<T[]>, 'value'> {
  rows: T[];
}

export interface ReadOptions {
  /**
   * Measure atLsn for primary reads too (a cache fill needs it): one more round trip, to read
   * the WAL insert position before the statement's snapshot.
   */
  positioned?: boolean;
  /** The tenant the statement is scoped to under row-level security (Database.query). */
  scope?: string;
}
