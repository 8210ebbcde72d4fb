import { CommittedWrite, ForwardingStore } from './forwarding-store';
import type { VersionedStore, Written } from './versioned-store';

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

  it('routes each committed write through `committed`, with the record it changed', async () => {
    const seen: unknown[] = [];
    class Recording extends ForwardingStore<Rec, string, string, number, Rec[]> {
      protected override committed<V>(written: Written<V>, write: CommittedWrite): Written<V> {
        seen.push([written.value, write]);
        return { ...written, token: 'hooked' };
      }
    }
    const store = new Recording(writes({ id: 'n', version: 1 }, { id: 'a', version: 4 }, 5));

    expect(await store.create('t', 'new')).toEqual({
      value: { id: 'n', version: 1 },
      token: 'hooked',
    });
    expect(await store.update('t', 'a', 'change', [3])).toEqual({
      value: { id: 'a', version: 4 },
      token: 'hooked',
    });
    expect(await store.delete('t', 'a', 'any')).toEqual({ value: 5, token: 'hooked' });
    expect(seen).toEqual([
      [
        { id: 'n', version: 1 },
        { scope: 't', id: 'n', version: 1 },
      ],
      [
        { id: 'a', version: 4 },
        { scope: 't', id: 'a', version: 4 },
      ],
      [5, { scope: 't', id: 'a', version: 5, deleted: true }],
    ]);
    expect(seen[0]).not.toHaveProperty([1, 'deleted']);
    expect(seen[1]).not.toHaveProperty([1, 'deleted']);
  });

  it('does not call `committed` for a conditional write that matched nothing', async () => {
    const seen: unknown[] = [];
    class Recording extends ForwardingStore<Rec, string, string, number, Rec[]> {
      protected override committed<V>(written: Written<V>, write: CommittedWrite): Written<V> {
        seen.push(write);
        return written;
      }
    }
    const store = new Recording(writes({ id: 'n', version: 1 }, undefined, undefined));

    expect(await store.update('t', 'a', 'change', [3])).toBeUndefined();
    expect(await store.delete('t', 'a', [3])).toBeUndefined();
    expect(seen).toEqual([]);
  });
});

/** A store whose writes answer these (undefined: a conditional write that matched nothing). */
function writes(created: Rec, updated: Rec | undefined, deleted: number | undefined): Store {
  return {
    find: async () => ({ value: undefined, atLsn: null }),
    list: async () => [],
    create: async () => ({ value: created }),
    update: async () => updated && { value: updated },
    delete: async () => (deleted === undefined ? undefined : { value: deleted }),
    currentVersion: async () => undefined,
  };
}
