import type { TieredCache } from '@docscale/cache';
import { CachedStore } from './cached-store';
import type { VersionedStore } from './versioned-store';

type Rec = { id: string; version: number };
type Store = VersionedStore<Rec, string, string, number, Rec[]>;

const rec = { id: 'a', version: 3 };

function innerStore(matches: boolean): Store & { reads: unknown[] } {
  const reads: unknown[] = [];
  return {
    reads,
    find: async (_scope, _id, read) => (reads.push(read), { value: rec, atLsn: 7n }),
    list: async () => [],
    create: async () => ({ value: rec }),
    update: async () => (matches ? { value: rec } : undefined),
    delete: async () => (matches ? { value: 3 } : undefined),
    currentVersion: async () => 3,
  };
}

/** A cache that always loads (positioned, as a fill would) and records what writes told it. */
function cache(written: unknown[]): TieredCache {
  return {
    get: async (
      key: string,
      minLsn: bigint | undefined,
      load: (p: boolean) => Promise<{ value: Rec | null; version: number; atLsn: bigint | null }>,
    ) => {
      const loaded = await load(true);
      written.push({ loaded: key, minLsn, ...loaded });
      return { value: loaded.value, body: Buffer.from('{}'), level: 'db' };
    },
    written: async (key: string, change: unknown) => void written.push({ key, change }),
  } as unknown as TieredCache;
}

describe('CachedStore', () => {
  it('loads through the store inside with the token position, positioned, under a tenant key', async () => {
    const seen: unknown[] = [];
    const inner = innerStore(true);
    const found = await new CachedStore(inner, cache(seen), 'rec').find('t', 'a', {
      after: { lsn: 5n, writtenAtMs: 0 },
    });
    expect(found).toEqual({ value: rec, json: Buffer.from('{}'), atLsn: null });
    expect(inner.reads).toEqual([{ after: { lsn: 5n, writtenAtMs: 0 }, positioned: true }]);
    expect(seen).toEqual([{ loaded: 'rec:t:a', minLsn: 5n, value: rec, version: 3, atLsn: 7n }]);
  });

  it('invalidates the key of every committed write, a delete as a deletion', async () => {
    const seen: unknown[] = [];
    const store = new CachedStore(innerStore(true), cache(seen), 'rec');
    await store.create('t', 'x');
    await store.update('t', 'a', 'x', 'any');
    await store.delete('t', 'a', 'any');
    expect(seen).toEqual([
      { key: 'rec:t:a', change: { version: 3 } },
      { key: 'rec:t:a', change: { version: 3 } },
      { key: 'rec:t:a', change: { version: 3, deleted: true } },
    ]);
  });

  it('leaves the cache alone when a conditional write matched nothing', async () => {
    const seen: unknown[] = [];
    const store = new CachedStore(innerStore(false), cache(seen), 'rec');
    expect(await store.update('t', 'a', 'x', [1])).toBeUndefined();
    expect(await store.delete('t', 'a', [1])).toBeUndefined();
    expect(seen).toEqual([]);
  });
});
