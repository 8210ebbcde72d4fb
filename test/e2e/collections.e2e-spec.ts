/**
 * Collections, the resource built the Nest way (TypeORM entity and repository): CRUD with ETags
 * and problem+json, tenant isolation down to row-level security, read-your-writes through a
 * lagging replica across two instances (with READ_CONSISTENCY=none as the negative control),
 * also with the cache on (its fills through readWith carry the WAL position they read at), and
 * cache invalidation across two instances (with CACHE_INVALIDATION=off as the negative control):
 * the same patterns the raw-SQL documents get, through the same decorators.
 */
// pattern:read-replicas:begin
// pattern:cache:begin
import { ConsistencyTokens } from '@docscale/database';
import { Redis } from 'ioredis';
// pattern:cache:end
// pattern:read-replicas:end
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AppConfig } from '../../src/config';
import { stack } from '../../scripts/processes/stack'; // pattern:read-replicas
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { metricSum } from '../helpers/metrics'; // pattern:telemetry
import { pollUntil } from '../helpers/poll'; // pattern:cache,read-replicas
import { readiness } from '../helpers/readiness'; // pattern:cache
import { newTenant } from '../helpers/tenants';

jest.setTimeout(120_000);

interface Collection {
  id: string;
  name: string;
  description: string;
  version: number;
}

/** A tenant's calls to one instance at a time. */
function client(key: string) {
  const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
  const call = async (api: Instance, method: string, path: string, more = {}, body?: unknown) => {
    const res = await fetch(`${api.url}/v1/collections${path}`, {
      method,
      headers: { ...headers, ...more },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { res, body: (text ? JSON.parse(text) : undefined) as Collection & { type?: string } };
  };
  return {
    create: (api: Instance, name = 'c') => call(api, 'POST', '', {}, { name }),
    get: (api: Instance, id: string, token?: string) =>
      call(api, 'GET', `/${id}`, token ? { 'X-Consistency-Token': token } : {}),
    patch: (api: Instance, id: string, body: unknown, ifMatch?: string) =>
      call(api, 'PATCH', `/${id}`, ifMatch ? { 'If-Match': ifMatch } : {}, body),
    remove: (api: Instance, id: string, ifMatch?: string) =>
      call(api, 'DELETE', `/${id}`, ifMatch ? { 'If-Match': ifMatch } : {}),
    list: (api: Instance, query: string) => call(api, 'GET', `?${query}`),
  };
}

describe('collections: CRUD, tenancy and the cache across two instances', () => {
  const env = (prefix: string) => ({
    CACHE_KEY_PREFIX: prefix,
    TOGGLES_KEY_PREFIX: `${prefix}-toggles`,
    // Long enough that only an invalidation message can take a version out of L1 during a test.
    CACHE_L1_TTL_MS: '60000',
  });
  let on: Instance[];
  let naive: Instance[]; // pattern:cache
  let api: ReturnType<typeof client>;
  let tenantId: string;

  beforeAll(async () => {
    // One pair after the other: four cold starts at once can outlast the readiness deadline
    // on a busy machine.
    on = await startInstances(2, env(`test-collections-${randomUUID()}`));
    // pattern:cache:begin
    // The naive pattern: a write evicts its own L1 and deletes the L2 key, and tells nobody.
    naive = await startInstances(2, {
      ...env(`test-collections-${randomUUID()}`),
      CACHE_INVALIDATION: 'off',
    });
    // pattern:cache:end
    const tenant = await newTenant('collections');
    api = client(tenant.key);
    tenantId = tenant.tenantId;
    // pattern:cache:begin
    await pollUntil(
      async () =>
        (await Promise.all([...on, ...naive].map((i) => readiness(i.url)))).every(
          (ready) => ready.cache.l1 === 'active',
        ),
      { what: 'L1 subscribed on every instance' },
    );
    // pattern:cache:end
  });
  // pattern:cache:begin
  afterAll(() => stopAll([...(on ?? []), ...(naive ?? [])]));
  // pattern:cache:else
  // afterAll(() => stopAll(on ?? []));
  // pattern:cache:end

  it('creates, reads, changes under If-Match and deletes a collection, with ETags', async () => {
    const created = await api.create(on[0], 'reading list');
    expect(created.res.status).toBe(201);
    expect(created.res.headers.get('etag')).toBe('"1"');
    expect(created.res.headers.get('location')).toBe(`/v1/collections/${created.body.id}`);
    expect(created.body).toMatchObject({ name: 'reading list', description: '', version: 1 });
    const { id } = created.body;

    const read = await api.get(on[1], id);
    expect(read.res.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const patched = await api.patch(on[1], id, { description: 'to read' }, '"1"');
    expect(patched.res.status).toBe(200);
    expect(patched.res.headers.get('etag')).toBe('"2"');
    expect(patched.res.headers.get('x-consistency-token')).toBeTruthy();
    expect(patched.body).toMatchObject({ name: 'reading list', description: 'to read' });

    const stale = await api.patch(on[0], id, { name: 'late' }, '"1"');
    expect(stale.res.status).toBe(412);
    expect(stale.res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(stale.body).toMatchObject({ type: '/problems/version-mismatch', currentVersion: 2 });

    expect((await api.remove(on[0], id, '"1"')).res.status).toBe(412);
    expect((await api.remove(on[0], id, '"2"')).res.status).toBe(204);
    for (const i of on) {
      const gone = await api.get(i, id);
      expect(gone.res.status).toBe(404);
      expect(gone.body.type).toBe('/problems/not-found');
    }
  });

  it('refuses bad input with problem+json 400s', async () => {
    const empty = await api.create(on[0], '');
    expect(empty.res.status).toBe(400);
    expect(empty.body.type).toBe('/problems/validation-failed');
    // A lone surrogate parses as JSON but would be stored as U+FFFD: refused, as for documents.
    expect((await api.create(on[0], 'a\ud800b')).body.type).toBe('/problems/validation-failed');
    const { body } = await api.create(on[0]);
    expect((await api.patch(on[0], body.id, {})).body.type).toBe('/problems/validation-failed');
    expect((await api.patch(on[0], body.id, { name: 'x' }, 'v1')).body.type).toBe(
      '/problems/invalid-precondition',
    );
    expect((await api.get(on[0], 'not-a-uuid')).res.status).toBe(400);
    expect((await api.list(on[0], 'cursor=bogus')).body.type).toBe('/problems/invalid-cursor');
    expect((await api.get(on[0], body.id, 'garbage')).body.type).toBe(
      '/problems/invalid-consistency-token',
    );
  });

  it('pages newest first without repeating or skipping', async () => {
    const own = client((await newTenant('collections-list')).key);
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await own.create(on[n % 2], `c${n}`)).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await own.list(on[0], query)).body as unknown as {
        items: Collection[];
        nextCursor: string | null;
      };
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids.reverse());
  });

  it("keeps one tenant's collections from another, down to row-level security", async () => {
    const { body } = await api.create(on[0], 'private');
    const other = client((await newTenant('collections-other')).key);
    expect((await other.get(on[1], body.id)).res.status).toBe(404);
    expect((await other.patch(on[1], body.id, { name: 'mine' })).res.status).toBe(404);
    expect((await other.remove(on[1], body.id)).res.status).toBe(404);
    // The app role without a tenant scope sees no row at all: the policy, not only the WHERE.
    const db = new Client({ connectionString: AppConfig.load().env.DATABASE_PRIMARY_URL });
    await db.connect();
    try {
      const count = 'SELECT count(*)::int AS n FROM collections WHERE id = $1';
      expect((await db.query(count, [body.id])).rows[0].n).toBe(0);
      await db.query('BEGIN');
      await db.query(`SELECT set_config('docscale.tenant_id', $1, true)`, [tenantId]);
      expect((await db.query(count, [body.id])).rows[0].n).toBe(1);
    } finally {
      await db.query('ROLLBACK').catch(() => undefined);
      await db.end();
    }
  });

  // pattern:cache:begin
  it('shows another instance a change once the invalidation arrives, and the naive cache does not', async () => {
    for (const [set, invalidating] of [
      [on, true],
      [naive, false],
    ] as const) {
      const [writer, reader] = set;
      const { body } = await api.create(writer, 'before');
      // Cached in the reader's L1: the second read is answered from it.
      // pattern:telemetry:begin
      const l1 = () =>
        metricSum(reader.adminUrl, 'docscale_cache_answers_total', { cache_level: 'l1' });
      // pattern:telemetry:end
      await api.get(reader, body.id);
      const hitsBefore = await l1(); // pattern:telemetry
      expect((await api.get(reader, body.id)).body.name).toBe('before');
      expect(await l1()).toBe(hitsBefore + 1); // pattern:telemetry

      expect((await api.patch(writer, body.id, { name: 'after' })).res.status).toBe(200);
      if (invalidating) {
        await pollUntil(async () => (await api.get(reader, body.id)).body.name === 'after', {
          timeoutMs: 2000,
          what: "the reader's L1 to drop the old version",
        });
      } else {
        // Nobody told the reader: its L1 keeps answering the replaced version.
        for (let n = 0; n < 5; n++) {
          expect((await api.get(reader, body.id)).body.name).toBe('before');
        }
      }
    }
  });
  // pattern:cache:end
});

// pattern:read-replicas:begin
describe('collections: read-your-writes with a lagging replica, across two instances', () => {
  const SECRET = 'collections-suite-secret';
  let token: Instance[];
  let none: Instance[];
  // pattern:cache:begin
  let cached: Instance[];
  const cachePrefix = `test-collections-ryw-${randomUUID()}`;
  // pattern:cache:end
  let api: ReturnType<typeof client>;
  let tenantId: string; // pattern:cache

  beforeAll(async () => {
    stack('replica-delay', '300');
    const env = (mode: string) => ({
      READ_REPLICAS: 'on',
      READ_CONSISTENCY: mode,
      CONSISTENCY_TOKEN_SECRET: SECRET,
      // The caches off: these pairs measure where the reads go. The cache's own pairs below.
      CACHE_L1: 'off',
      CACHE_L2: 'off',
    });
    token = await startInstances(2, env('token'));
    none = await startInstances(2, env('none'));
    // pattern:cache:begin
    // The cache on (L1 and L2, invalidation on): reads fill it through readWith's positioned read.
    cached = await startInstances(2, {
      READ_REPLICAS: 'on',
      READ_CONSISTENCY: 'token',
      CONSISTENCY_TOKEN_SECRET: SECRET,
      CACHE_KEY_PREFIX: cachePrefix,
      TOGGLES_KEY_PREFIX: `${cachePrefix}-toggles`,
    });
    await pollUntil(
      async () =>
        (await Promise.all(cached.map((i) => readiness(i.url)))).every(
          (ready) => ready.cache.l1 === 'active',
        ),
      { what: 'L1 subscribed on every cached instance' },
    );
    // pattern:cache:end
    const tenant = await newTenant('collections-ryw');
    api = client(tenant.key);
    tenantId = tenant.tenantId; // pattern:cache
  });
  afterAll(async () => {
    stack('replica-delay', '0');
    // pattern:cache:begin
    await stopAll([...(token ?? []), ...(none ?? []), ...(cached ?? [])]);
    // pattern:cache:else
    // await stopAll([...(token ?? []), ...(none ?? [])]);
    // pattern:cache:end
  });

  /**
   * `n` times: create and patch through `writer`, then read through `reader` with the patch's
   * token. A read answered with an older version, or 404, is stale; a refused request (503 on a
   * busy machine) is counted apart: it reads nothing, stale or not. Logs the counts as `mode`'s.
   */
  async function pairs(mode: string, [writer, reader]: Instance[], n: number) {
    let stale = 0;
    let refused = 0;
    let next = 0;
    const worker = async () => {
      while (next++ < n) {
        const created = await api.create(writer, 'v1');
        const patched =
          created.res.status === 201 && (await api.patch(writer, created.body.id, { name: 'v2' }));
        if (!patched || patched.res.status !== 200) {
          refused++;
          continue;
        }
        const tokenHeader = patched.res.headers.get('x-consistency-token')!;
        const read = await api.get(reader, created.body.id, tokenHeader);
        if (read.res.status === 404 || (read.res.status === 200 && read.body.version !== 2)) {
          stale++;
        } else if (read.res.status !== 200) {
          refused++;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    console.log(
      `collections, ${mode}: ${stale} stale reads in ${n} pairs (replica +300 ms), ${refused} refused`,
    );
    return { stale, refused };
  }

  it('serves 0 stale reads in 200 write→read pairs through different instances', async () => {
    const { stale, refused } = await pairs('token mode', token, 200);
    expect(stale).toBe(0);
    expect(refused).toBeLessThan(20);
  });

  it('observes stale reads with READ_CONSISTENCY=none (the guarantee can fail)', async () => {
    const { stale } = await pairs('none mode', none, 100);
    expect(stale).toBeGreaterThan(0);
  });

  // pattern:cache:begin
  it('serves 0 stale reads in 200 pairs with the cache on, its fills recording the position read', async () => {
    const { stale, refused } = await pairs('cache on', cached, 200);
    expect(stale).toBe(0);
    expect(refused).toBeLessThan(20);

    // One more pair, looked at closely. The replica is 300 ms behind the patch's token, so the
    // reader's token read goes to the primary, through readWith with `positioned`: its fill must
    // carry the WAL position the read began after (Found.atLsn, the entry's atLsn). A later write
    // first moves the primary past the token: a read positioned after it can claim the token
    // (Lsn.seenBefore leaves out the newest record, which may not be visible yet).
    const [writer, reader] = cached;
    const { body } = await api.create(writer, 'v1');
    const patched = await api.patch(writer, body.id, { name: 'v2' });
    const written = patched.res.headers.get('x-consistency-token')!;
    expect((await api.create(writer, 'later')).res.status).toBe(201);
    expect((await api.get(reader, body.id, written)).body.version).toBe(2);
    const redis = new Redis(AppConfig.load().env.REDIS_URL);
    let entry: string | null;
    try {
      entry = await redis.get(`${cachePrefix}:e:collection:${tenantId}:${body.id}`);
    } finally {
      redis.disconnect();
    }
    // `K|rank|atLsn|json` (libs/cache cache-entry.ts): a value at version 2, with its position.
    const [, kind, rank, atLsn] = /^([VAF])\|(\d+)\|([0-9a-f]*)\|/.exec(entry ?? '') ?? [];
    expect([kind, rank]).toEqual(['V', '2']);
    expect(atLsn).toMatch(/^[0-9a-f]{16}$/); // empty when a fill knows no position
    const tokens = new ConsistencyTokens({ secret: SECRET, ttlMs: 600_000 });
    expect(BigInt(`0x${atLsn}`)).toBeGreaterThanOrEqual(tokens.parse(written)!.lsn);

    // So the same token is answered from the reader's L1: an entry without a position could not be.
    // pattern:telemetry:begin
    const fromL1 = () =>
      metricSum(reader.adminUrl, 'docscale_cache_answers_total', { cache_level: 'l1' });
    const before = await fromL1();
    // pattern:telemetry:end
    expect((await api.get(reader, body.id, written)).body.version).toBe(2);
    expect(await fromL1()).toBe(before + 1); // pattern:telemetry
  });
  // pattern:cache:end

  it('serves token-less reads from the replica', async () => {
    const { body } = await api.create(token[0], 'old');
    // pattern:telemetry:begin
    const onReplica = () =>
      metricSum(token[1].adminUrl, 'docscale_db_reads_total', { db_read_target: 'replica' });
    const before = await onReplica();
    // pattern:telemetry:end
    await pollUntil(async () => (await api.get(token[1], body.id)).res.status === 200, {
      what: 'the replica to replay the insert',
    });
    expect(await onReplica()).toBeGreaterThan(before); // pattern:telemetry
  });
});
// pattern:read-replicas:end
