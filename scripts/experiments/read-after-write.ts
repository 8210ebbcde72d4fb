/**
 * Write through one API instance, read it back at once through the other: with the consistency
 * token the read must see the write (read-your-writes); without it, the read may go to a replica
 * that has not replayed the write yet, and come back 404. Pairs alternate between the two modes,
 * and the stale reads of each are counted into the report's `extra`. Plain fetch, not autocannon:
 * each read depends on the answer to its write, and goes to a different instance.
 */
import { newDocument, Scenario } from './scenario-context';

const WORKERS = 8;

export const readAfterWrite: Scenario = async (ctx) => {
  const [writer, reader] = ctx.topology.apis;
  const auth = { authorization: `Bearer ${ctx.topology.key}` };
  const counts = {
    pairsWithToken: 0,
    staleWithToken: 0,
    pairsWithoutToken: 0,
    staleWithoutToken: 0,
  };
  const deadline = performance.now() + ctx.seconds * 1000;
  let n = 0;

  const timed = async (url: string, init: RequestInit) => {
    const started = performance.now();
    try {
      const res = await fetch(url, init);
      ctx.recorder.record(res.status, performance.now() - started);
      return res;
    } catch {
      ctx.recorder.record(0, performance.now() - started);
      return undefined;
    }
  };

  const pair = async (withToken: boolean) => {
    const created = await timed(`${writer.url}/v1/documents`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: newDocument(n++),
    });
    if (created?.status !== 201) return;
    const { id } = (await created.json()) as { id: string };
    const token = created.headers.get('x-consistency-token');
    const headers: Record<string, string> = { ...auth };
    if (withToken && token) headers['x-consistency-token'] = token;
    const read = await timed(`${reader.url}/v1/documents/${id}`, { headers });
    await read?.arrayBuffer();
    const stale = read?.status === 404;
    if (withToken) {
      counts.pairsWithToken++;
      if (stale) counts.staleWithToken++;
    } else {
      counts.pairsWithoutToken++;
      if (stale) counts.staleWithoutToken++;
    }
  };

  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      for (let i = w; performance.now() < deadline; i++) await pair(i % 2 === 0);
    }),
  );
  Object.assign(ctx.extra, counts);
};
