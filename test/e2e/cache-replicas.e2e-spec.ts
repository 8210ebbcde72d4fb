/**
 * Read-your-writes through the cache while the replica lags: entries filled from the lagging
 * replica (including "not found" ones) must never answer a reader whose token is newer than the
 * position they were read at, on either instance.
 */
import { randomUUID } from 'node:crypto';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { metricSum } from '../helpers/metrics'; // pattern:telemetry
import { newTenant } from '../helpers/tenants';
import { stack } from '../../scripts/processes/stack';

const PAIRS = 100;
const CONCURRENCY = 8;

jest.setTimeout(120_000);

describe('the cache with a lagging replica', () => {
  let invalidating: Instance[];
  let naive: Instance[];
  let headers: Record<string, string>;

  beforeAll(async () => {
    stack('replica-delay', '300');
    const env = (prefix: string) => ({
      READ_REPLICAS: 'on',
      CACHE_KEY_PREFIX: prefix,
      TOGGLES_KEY_PREFIX: `${prefix}-toggles`,
    });
    [invalidating, naive] = await Promise.all([
      startInstances(2, env(`test-cache-${randomUUID()}`)),
      // No floors and no messages: only the entries' read positions stand between a token and
      // what the lagging replica put in the cache.
      startInstances(2, { ...env(`test-cache-${randomUUID()}`), CACHE_INVALIDATION: 'off' }),
    ]);
    headers = {
      Authorization: `Bearer ${(await newTenant('cache-replicas')).key}`,
      'Content-Type': 'application/json',
    };
  });
  afterAll(async () => {
    stack('replica-delay', '0');
    await stopAll([...(invalidating ?? []), ...(naive ?? [])]);
  });

  const read = async (instance: Instance, id: string, token?: string) => {
    const res = await fetch(`${instance.url}/v1/documents/${id}`, {
      headers: token ? { ...headers, 'X-Consistency-Token': token } : headers,
    });
    return { status: res.status, version: ((await res.json()) as { version?: number }).version };
  };

  /** Per document: create via A, token-less reads via B, the creator's token read, an update. */
  async function pairs([a, b]: Instance[]) {
    let stale = 0;
    let tokenlessMisses = 0;
    let next = 0;
    // pattern:telemetry:begin
    const l1Answers = () =>
      Promise.all(
        [a, b].map((i) =>
          metricSum(i.adminUrl, 'docscale_cache_answers_total', { cache_level: 'l1' }),
        ),
      ).then(([x, y]) => x + y);
    const l1Before = await l1Answers();
    // pattern:telemetry:end
    const pair = async () => {
      while (next < PAIRS) {
        next++;
        const created = await fetch(`${a.url}/v1/documents`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ title: 't', body: 'first' }),
        });
        const doc = (await created.json()) as { id: string };
        // Token-less reads through B: the replica has not replayed the insert, so B caches a
        // "not found" read at the replica's (old) position.
        for (let i = 0; i < 2; i++) if ((await read(b, doc.id)).status === 404) tokenlessMisses++;
        // The creator's own read carries its token: the cached 404 must not answer it.
        const mine = await read(b, doc.id, created.headers.get('x-consistency-token')!);
        if (mine.status !== 200 || mine.version !== 1) stale++;
        const patched = await fetch(`${a.url}/v1/documents/${doc.id}`, {
          method: 'PATCH',
          headers,
          body: JSON.stringify({ body: 'second' }),
        });
        const token = patched.headers.get('x-consistency-token')!;
        for (const instance of [b, a, b]) {
          const after = await read(instance, doc.id, token);
          if (after.status !== 200 || after.version !== 2) stale++;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, pair));
    // pattern:telemetry:begin
    const answeredByL1 = (await l1Answers()) - l1Before;
    return { stale, tokenlessMisses, summary: `${stale} stale; ${answeredByL1} answered by L1` };
    // pattern:telemetry:else
    // return { stale, tokenlessMisses, summary: `${stale} stale` };
    // pattern:telemetry:end
  }

  it.each([
    ['with invalidation', () => invalidating],
    ['with invalidation off (the token alone)', () => naive],
  ])('never answers a token from an entry the lagging replica filled, %s', async (label, set) => {
    const { stale, tokenlessMisses, summary } = await pairs(set());
    console.log(
      `cache + replica delayed 300 ms, ${label}: ${PAIRS} documents, ${tokenlessMisses} token-less ` +
        `404s while the replica lagged, ${4 * PAIRS} token reads, ${summary}`,
    );
    expect(tokenlessMisses).toBeGreaterThan(0); // the lag was real: stale entries existed
    expect(stale).toBe(0);
  });
});
