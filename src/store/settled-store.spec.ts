import { deferred, drain, isSettled } from './promise.fixture';
import { addPending, settled, SettledStore } from './settled-store';
import type { VersionedStore, Written } from './versioned-store';

type Rec = { id: string; version: number };
type Store = VersionedStore<Rec, string, string, number, Rec[]>;

/** A store whose writes leave `work` pending, as the cache's decorator does. */
function pendingStore(work: Promise<void>, matches = true): Store {
  const rec = { id: 'a', version: 2 };
  return {
    find: async () => ({ value: rec, atLsn: null }),
    list: async () => [],
    create: async () => addPending({ value: rec, token: 'tok' }, work),
    update: async () => (matches ? addPending({ value: rec }, work) : undefined),
    delete: async () => (matches ? addPending({ value: 2 }, work) : undefined),
    currentVersion: async () => 2,
  };
}

describe('SettledStore', () => {
  it('answers a write once the work it left pending is done, and without it', async () => {
    const work = deferred();
    const store = new SettledStore(pendingStore(work.promise));
    const answers = [store.create('t', 'x'), store.update('t', 'a', 'x', 'any')];
    const deleted = store.delete('t', 'a', 'any');
    expect(await isSettled(Promise.race([...answers, deleted]))).toBe(false);
    work.resolve();
    expect(await Promise.all(answers)).toEqual([
      { value: { id: 'a', version: 2 }, token: 'tok' },
      { value: { id: 'a', version: 2 } },
    ]);
    expect(await deleted).toEqual({ value: 2 });
  });

  it('fails a write whose pending work failed', async () => {
    const work = deferred();
    const store = new SettledStore(pendingStore(work.promise));
    const answer = store.update('t', 'a', 'x', 'any');
    work.reject(new Error('redis gone'));
    await expect(answer).rejects.toThrow('redis gone');
  });

  it('answers undefined for a conditional write that matched nothing', async () => {
    const store = new SettledStore(pendingStore(new Promise<void>(() => {}), false));
    expect(await store.update('t', 'a', 'x', [1])).toBeUndefined();
    expect(await store.delete('t', 'a', [1])).toBeUndefined();
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
