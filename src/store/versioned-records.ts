/**
 * What every versioned resource's service does the same way around its store: a record the
 * tenant does not have is that resource's not-found, and a conditional write (If-Match) that
 * matched no row is told apart, gone (404) or at another version (412), by asking the store for
 * the current version. The store answers that from the primary: a replica could still show a
 * version the write has already replaced. Services keep their own rules (sizes, quotas) and
 * delegate these.
 */
import type {
  ExpectedVersions,
  ReadContext,
  Versioned,
  VersionedStore,
  Written,
} from './versioned-store';

/** The errors a resource answers with, as its problem types map them. */
export interface RecordErrors {
  notFound(id: string): Error;
  versionMismatch(id: string, currentVersion: number): Error;
}

/** The part of a store these rules use. */
type Store<T extends Versioned, Change> = Pick<
  VersionedStore<T, never, Change, never, never>,
  'find' | 'update' | 'delete' | 'currentVersion'
>;

export class VersionedRecords<T extends Versioned, Change> {
  constructor(
    private readonly store: Store<T, Change>,
    private readonly errors: RecordErrors,
  ) {}

  /** The record and, when the cache answered, its JSON bytes; not-found when there is none. */
  async find(scope: string, id: string, read: ReadContext): Promise<{ value: T; json?: Buffer }> {
    const { value, json } = await this.store.find(scope, id, read);
    if (!value) throw this.errors.notFound(id);
    return { value, json };
  }

  async update(
    scope: string,
    id: string,
    fields: Change,
    expected: ExpectedVersions,
  ): Promise<Written<T>> {
    const written = await this.store.update(scope, id, fields, expected);
    if (!written) throw await this.whyNot(scope, id);
    return written;
  }

  /** The consistency token of the delete, if the store issues them. */
  async delete(scope: string, id: string, expected: ExpectedVersions): Promise<string | undefined> {
    const written = await this.store.delete(scope, id, expected);
    if (!written) throw await this.whyNot(scope, id);
    return written.token;
  }

  /** A conditional write matched no row: the record is gone, or at another version. */
  private async whyNot(scope: string, id: string): Promise<Error> {
    const current = await this.store.currentVersion(scope, id);
    return current === undefined
      ? this.errors.notFound(id)
      : this.errors.versionMismatch(id, current);
  }
}
