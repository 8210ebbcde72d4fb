import type { ReadRouting } from '@docscale/database';
import { ConsistentStore } from './consistent-store';
import type { VersionedStore, Written } from './versioned-store';

type Rec = { id: string; version: number };
type Store = VersionedStore<Rec, string, string, number, Rec[]>;

/** The inner store's writes and what it was asked to read with, in order. */
function innerStore(log: string[], result: Written<Rec> | undefined): Store {
  return {
    find: async (_scope, id, read) => {
      log.push(`find ${id} after ${read.after?.lsn}`);
      return { value: undefined, atLsn: null };
    },
    list: async () => [],
    create: async () => (log.push('create'), result!),
    update: async () => (log.push('update'), result),
    delete: async () => (log.push('delete'), result && { value: result.value.version }),
    currentVersion: async () => undefined,
  };
}

function routing(log: string[]): ReadRouting {
  return {
    parseToken: (header?: string) => (header ? { lsn: 42n, writtenAtMs: 0 } : undefined),
    afterWrite: async () => (log.push('token'), 'tok'),
  } as unknown as ReadRouting;
}

describe('ConsistentStore', () => {
  it('hands the store inside the position of the caller’s token', async () => {
    const log: string[] = [];
    const store = new ConsistentStore(innerStore(log, undefined), routing(log));
    await store.find('t', 'a', { token: 'x' });
    await store.find('t', 'b', {});
    expect(log).toEqual(['find a after 42', 'find b after undefined']);
  });

  it('issues the token after the write inside it committed', async () => {
    const log: string[] = [];
    const written = { value: { id: 'a', version: 2 } };
    const store = new ConsistentStore(innerStore(log, written), routing(log));
    expect(await store.create('t', 'x')).toEqual({ ...written, token: 'tok' });
    expect(await store.update('t', 'a', 'x', 'any')).toEqual({ ...written, token: 'tok' });
    expect(await store.delete('t', 'a', 'any')).toEqual({ value: 2, token: 'tok' });
    expect(log).toEqual(['create', 'token', 'update', 'token', 'delete', 'token']);
  });

  it('issues no token for a conditional write that matched nothing', async () => {
    const log: string[] = [];
    const store = new ConsistentStore(innerStore(log, undefined), routing(log));
    expect(await store.update('t', 'a', 'x', [1])).toBeUndefined();
    expect(await store.delete('t', 'a', [1])).toBeUndefined();
    expect(log).toEqual(['update', 'delete']);
  });
});
