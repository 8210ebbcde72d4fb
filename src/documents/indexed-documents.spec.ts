import { isSettled } from '../store/promise.fixture';
import { IndexedDocuments } from './indexed-documents';
import type { DocumentsRepository } from './documents.repository';
import type { Indexing } from './jobs/indexing';

const doc = { id: 'd', version: 2 };

/** The repository's writes and the indexing's steps, in order; `inline` ends when `finish` is called. */
function setup(options: { matches?: boolean; queued?: boolean } = {}) {
  const log: string[] = [];
  let finish = () => {};
  const written = (name: string) => async () => (
    log.push(name),
    options.matches === false ? undefined : { value: doc }
  );
  const repository = {
    create: written('create'),
    update: written('update'),
    // pattern:queue:begin
    createWithIndexRequest: written('create with index request'),
    updateWithIndexRequest: written('update with index request'),
    // pattern:queue:end
  } as unknown as DocumentsRepository;
  const indexing = {
    inline: (_tenant: string, d: typeof doc) => {
      log.push(`inline ${d.id} v${d.version}`);
      return new Promise<void>((resolve) => (finish = resolve));
    },
    // pattern:queue:begin
    outboxRequest: () => (options.queued ? { queue: 'documents', trace: {} } : undefined),
    requested: () => void log.push('nudge'),
    // pattern:queue:end
  } as unknown as Indexing;
  return { store: new IndexedDocuments(repository, indexing), log, finish: () => finish() };
}

describe('IndexedDocuments', () => {
  it('indexes a created document inline, after the write and before answering', async () => {
    const { store, log, finish } = setup();
    const answer = store.create('t', { title: 'a', body: 'b', tags: [] });
    expect(await isSettled(answer)).toBe(false);
    expect(log).toEqual(['create', 'inline d v2']);
    finish();
    expect(await answer).toEqual({ value: doc });
  });

  it('indexes an updated document inline, and nothing for an update that matched nothing', async () => {
    const updated = setup();
    const answer = updated.store.update('t', 'd', { body: 'c' }, [1]);
    expect(await isSettled(answer)).toBe(false);
    updated.finish();
    expect(await answer).toEqual({ value: doc });
    expect(updated.log).toEqual(['update', 'inline d v2']);

    const missed = setup({ matches: false });
    expect(await missed.store.update('t', 'd', { body: 'c' }, [1])).toBeUndefined();
    expect(missed.log).toEqual(['update']);
  });

  // pattern:queue:begin
  it('with QUEUE on, writes the request with the document and nudges the relay, indexing nothing inline', async () => {
    const { store, log } = setup({ queued: true });
    expect(await store.create('t', { title: 'a', body: 'b', tags: [] })).toEqual({ value: doc });
    expect(await store.update('t', 'd', { body: 'c' }, 'any')).toEqual({ value: doc });
    expect(log).toEqual([
      'create with index request',
      'nudge',
      'update with index request',
      'nudge',
    ]);
  });

  it('with QUEUE on, nudges nothing for an update that matched nothing', async () => {
    const { store, log } = setup({ queued: true, matches: false });
    expect(await store.update('t', 'd', { body: 'c' }, [1])).toBeUndefined();
    expect(log).toEqual(['update with index request']);
  });
  // pattern:queue:end
});
