import { ForwardingStore } from './forwarding-store';
import type { VersionedStore } from './versioned-store';

type Rec = { id: string; version: number };
type Store = VersionedStore<Rec, string, string, number, Rec[]>;

describe('ForwardingStore', () => {
  it('hands every call to the store inside, with its arguments, and returns its answer', async () => {
    const calls: unknown[][] = [];
    const rec = { id: 'a', version: 1 };
    const inner: Store = {
      find: async (...args) => (calls.push(['find', ...args]), { value: rec, atLsn: 1n }),
      list: async (...args) => (calls.push(['list', ...args]), [rec]),
      create: async (...args) => (calls.push(['create', ...args]), { value: rec }),
      update: async (...args) => (calls.push(['update', ...args]), { value: rec, token: 'u' }),
      delete: async (...args) => (calls.push(['delete', ...args]), { value: 1 }),
      currentVersion: async (...args) => (calls.push(['currentVersion', ...args]), 1),
    };
    const store = new ForwardingStore(inner);

    expect(await store.find('t', 'a', { token: 'x' })).toEqual({ value: rec, atLsn: 1n });
    expect(await store.list('t', 5, {})).toEqual([rec]);
    expect(await store.create('t', 'new')).toEqual({ value: rec });
    expect(await store.update('t', 'a', 'change', [1])).toEqual({ value: rec, token: 'u' });
    expect(await store.delete('t', 'a', 'any')).toEqual({ value: 1 });
    expect(await store.currentVersion('t', 'a')).toBe(1);
    expect(calls).toEqual([
      ['find', 't', 'a', { token: 'x' }],
      ['list', 't', 5, {}],
      ['create', 't', 'new'],
      ['update', 't', 'a', 'change', [1]],
      ['delete', 't', 'a', 'any'],
      ['currentVersion', 't', 'a'],
    ]);
  });
});
