/**
 * Post-commit work, overlapped. After a write commits, decorators have work to do before it is
 * answered: the cache invalidates the record on every instance (round trips to Redis),
 * read-your-writes reads the token (a round trip to the primary). Neither needs the other's
 * result, so awaiting them one decorator after the other would make a write pay their sum. A
 * decorator whose work nothing inside the write needs starts it and hands it out as
 * `Written.pending` (`addPending`) instead of awaiting it; the decorators outside do their own
 * meanwhile, and the write pays the slower of them.
 *
 * The guarantee stays whole, in one place: SettledStore, the outermost step of every composition
 * (document-store.ts, collection-store.ts), answers a write only once its pending work has
 * settled, and fails it if that work failed, as if the decorator had awaited it. A failure that
 * comes while a decorator outside is still awaiting its own round trip is held (marked handled,
 * not reported as an unhandled rejection) until SettledStore rethrows it.
 */
import { ForwardingStore } from './forwarding-store';
import type { Versioned, Written } from './versioned-store';

/** `written`, its answer also waiting for `work` (begun, not awaited, by the caller). */
export function addPending<V>(written: Written<V>, work: Promise<unknown>): Written<V> {
  return { ...written, pending: allSettled(written.pending ? [written.pending, work] : [work]) };
}

/**
 * Settles when every one of `works` has (not at the first failure: nothing is answered while
 * work is still in flight), then rejects with the first failure, if any.
 */
function allSettled(works: Promise<unknown>[]): Promise<void> {
  const done = Promise.allSettled(works).then((results) => {
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  });
  // Handled: its failure is rethrown where it is awaited (settled), which may be after a
  // decorator outside finished a round trip of its own.
  done.catch(() => undefined);
  return done;
}

/** `written` once its pending work has settled, without it; rejects if that work failed. */
export async function settled<V>(written: Written<V>): Promise<Written<V>> {
  const { pending, ...answer } = written;
  await pending;
  return answer;
}

/** The outermost step of a composition: a write is answered once its pending work settled. */
export class SettledStore<T extends Versioned, New, Change, Query, Page> extends ForwardingStore<
  T,
  New,
  Change,
  Query,
  Page
> {
  protected override committed<V>(written: Written<V>): Promise<Written<V>> {
    return settled(written);
  }
}
