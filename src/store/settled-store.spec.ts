import type { TieredCache } from '@docscale/cache';
import type { ReadRouting } from '@docscale/database';
import { CachedStore } from './cached-store';
import { ConsistentStore } from './consistent-store';
import { addPending, settled, SettledStore } from './settled-store';
import type { VersionedStore, Written } from './versioned-store';

type Rec = { id: string; version: number };
type Store = VersionedStore<Rec, string, string, number, Rec[]>;

/** A promise the test settles when it chooses. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets every callback already queued run (and those they queue, a few levels deep). */
const drain = () => new Promise((resolve) => setImmediate(resolve));

/** Whether `promise` has settled yet, without waiting for it. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await drain();
  return done;
}

function innerStore(matches: boolean): Store {
  const rec = { id: 'a', version: 2 };
  return {
    find: async () => ({ value: rec, atLsn: null }),
    list: async () => [],
    create: async () => ({ value: rec }),
    update: async () => (matches ? { value: rec } : undefined),
    delete: async () => (matches ? { value: 2 } : undefined),
    currentVersion: async () => 2,
  };
}

/**
 * The documents' and collections' composition around `inner`, with a cache whose invalidations
 * and a primary whose token reads finish when the test says; `log` records when each began.
 */
function composed(inner: Store) {
  const log: string[] = [];
  const invalidation = deferred();
  const token = deferred<string>();
  const cache = {
    written: (key: string) => (log.push(`invalidate ${key}`), invalidation.promise),
  } as unknown as TieredCache;
  const reads = {
    afterWrite: () => (log.push('token'), token.promise),
  } as unknown as ReadRouting;
  const store = new SettledStore(new ConsistentStore(new CachedStore(inner, cache, 'rec'), reads));
  return { store, log, invalidation, token };
}

describe('SettledStore around the cache and read-your-writes', () => {
  it('reads the token while the invalidation is still in flight', async () => {
    const { store, log, invalidation, token } = composed(innerStore(true));
    const answer = store.update('t', 'a', 'x', 'any');
    await drain();
    expect(log).toEqual(['invalidate rec:t:a', 'token']);
    token.resolve('tok');
    invalidation.resolve();
    await expect(answer).resolves.toEqual({ value: { id: 'a', version: 2 }, token: 'tok' });
  });

  it('answers only once the invalidation is done, when the token came first', async () => {
    const { store, invalidation, token } = composed(innerStore(true));
    const answer = store.create('t', 'x');
    token.resolve('tok');
    expect(await isSettled(answer)).toBe(false);
    invalidation.resolve();
    await expect(answer).resolves.toEqual({ value: { id: 'a', version: 2 }, token: 'tok' });
  });

  it('answers only once the token is read, when the invalidation came first', async () => {
    const { store, invalidation, token } = composed(innerStore(true));
    const answer = store.delete('t', 'a', 'any');
    invalidation.resolve();
    expect(await isSettled(answer)).toBe(false);
    token.resolve('tok');
    await expect(answer).resolves.toEqual({ value: 2, token: 'tok' });
  });

  // Jest fails a test in which a rejection goes unhandled: these also show none does.
  it('fails the write when its invalidation failed, once the token is read', async () => {
    const { store, invalidation, token } = composed(innerStore(true));
    const answer = store.update('t', 'a', 'x', 'any');
    invalidation.reject(new Error('redis gone'));
    expect(await isSettled(answer)).toBe(false);
    token.resolve('tok');
    await expect(answer).rejects.toThrow('redis gone');
  });

  it('neither invalidates nor reads a token for a conditional write that matched nothing', async () => {
    const { store, log } = composed(innerStore(false));
    expect(await store.update('t', 'a', 'x', [1])).toBeUndefined();
    expect(await store.delete('t', 'a', [1])).toBeUndefined();
    expect(log).toEqual([]);
  });
});

describe('addPending and settled', () => {
  it('waits for every piece of pending work, and leaves none in the answer', async () => {
    const [first, second] = [deferred(), deferred()];
    const written: Written<number> = addPending(
      addPending({ value: 1 }, first.promise),
      second.promise,
    );
    const answer = settled(written);
    second.resolve();
    expect(await isSettled(answer)).toBe(false);
    first.resolve();
    expect(await answer).toEqual({ value: 1 });
  });

  it('rejects with a failure only once the rest of the work has settled', async () => {
    const [failing, slow] = [deferred(), deferred()];
    const answer = settled(addPending(addPending({ value: 1 }, failing.promise), slow.promise));
    failing.reject(new Error('first'));
    expect(await isSettled(answer)).toBe(false);
    slow.resolve();
    await expect(answer).rejects.toThrow('first');
  });

  // Jest fails a test in which a rejection goes unhandled (without the `.catch` in allSettled,
  // this one fails so).
  it('holds a failure until it is awaited, without it going unhandled meanwhile', async () => {
    const written = addPending({ value: 1 }, Promise.reject(new Error('held')));
    await drain(); // a decorator outside doing its own round trip meanwhile
    await drain();
    await expect(settled(written)).rejects.toThrow('held');
  });
});
