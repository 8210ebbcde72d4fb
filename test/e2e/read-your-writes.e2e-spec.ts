/**
 * Read-your-writes under replication lag, across instances: the replica is delayed on purpose
 * (recovery_min_apply_delay), each write goes through one instance and the read that carries its
 * token through the other. The same run without tokens' protection (READ_CONSISTENCY=none) shows
 * the stale reads the mechanism prevents.
 */
import { ConsistencyTokens, Lsn } from '@docscale/database';
import { setTimeout as delay } from 'node:timers/promises';
import request from 'supertest';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { metricSum } from '../helpers/metrics'; // pattern:telemetry
import { pollUntil } from '../helpers/poll';
import { readiness } from '../helpers/readiness';
import { newTenant } from '../helpers/tenants';
import { stack } from '../../scripts/processes/stack';

const SECRET = 'read-your-writes-suite-secret';
const PAIRS = 1000;
const CONCURRENCY = 8;
const READS = 'docscale_db_reads_total'; // pattern:telemetry

jest.setTimeout(120_000);

describe('read-your-writes with a lagging replica, across two instances', () => {
  let token: Instance[];
  let none: Instance[];
  let window: Instance[];
  let auth: { Authorization: string };

  beforeAll(async () => {
    stack('replica-delay', '300');
    // The caches off: this suite measures where the database reads go (cache.e2e-spec.ts covers
    // read-your-writes through the cache).
    const env = {
      READ_REPLICAS: 'on',
      CONSISTENCY_TOKEN_SECRET: SECRET,
      CACHE_L1: 'off',
      CACHE_L2: 'off',
    };
    [token, none, window] = await Promise.all([
      startInstances(2, { ...env, READ_CONSISTENCY: 'token' }),
      startInstances(2, { ...env, READ_CONSISTENCY: 'none' }),
      // A window shorter than the lag: the guess the token replaces.
      startInstances(2, { ...env, READ_CONSISTENCY: 'window', READ_WINDOW_MS: '100' }),
    ]);
    auth = { Authorization: `Bearer ${(await newTenant('ryw')).key}` };
  });
  afterAll(async () => {
    stack('replica-delay', '0');
    await stopAll([...(token ?? []), ...(none ?? []), ...(window ?? [])]);
  });

  /**
   * Writes through `writer`, reads through `reader` with the write's token; counts stale reads.
   * `thinkMs`: how long after its write the simulated user reads (workload, not synchronisation).
   */
  async function pairs(
    writer: Instance,
    reader: Instance,
    n: number,
    thinkMs: () => number = () => 0,
  ): Promise<number> {
    let stale = 0;
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        const { body: doc } = await request(writer.url)
          .post('/v1/documents')
          .set(auth)
          .send({ title: `p${i}`, body: `${i}` });
        const written = await request(writer.url)
          .patch(`/v1/documents/${doc.id}`)
          .set(auth)
          .send({ body: `v2-${i}` })
          .expect(200);
        const think = thinkMs();
        if (think > 0) await delay(think);
        const read = await request(reader.url)
          .get(`/v1/documents/${doc.id}`)
          .set(auth)
          .set('X-Consistency-Token', written.headers['x-consistency-token']);
        if (read.status !== 200 || read.body.version !== written.body.version) stale++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return stale;
  }

  it('returns a consistency token on every write', async () => {
    const res = await request(token[0].url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 't', body: 'b' })
      .expect(201);
    expect(res.headers['x-consistency-token']).toMatch(
      /^v2\.[A-Za-z0-9_-]{8}\.[0-9A-F]+\/[0-9A-F]+\.[0-9a-z]+\.[0-9a-z]+\.[A-Za-z0-9_-]{22}$/,
    );
    const del = await request(token[0].url).delete(res.headers.location).set(auth).expect(204);
    expect(del.headers['x-consistency-token']).toBeDefined();
  });

  it(`serves 0 stale reads in ${PAIRS} write→read pairs through different instances`, async () => {
    const stale = await pairs(token[0], token[1], PAIRS);
    console.log(`token mode: ${stale} stale reads in ${PAIRS} pairs (replica delayed 300 ms)`);
    expect(stale).toBe(0);
  });

  it('observes stale reads with READ_CONSISTENCY=none (the guarantee can fail)', async () => {
    const stale = await pairs(none[0], none[1], 200);
    console.log(`none mode: ${stale} stale reads in 200 pairs (replica delayed 300 ms)`);
    expect(stale).toBeGreaterThan(0);
  });

  it('observes stale reads in window mode when the lag outlasts the window', async () => {
    // Users who read 150 ms after writing: past the 100 ms window, before the 300 ms lag.
    const stale = await pairs(window[0], window[1], 100, () => 150);
    console.log(
      `window mode (100 ms): ${stale} stale reads in 100 pairs read 150 ms after the write`,
    );
    expect(stale).toBeGreaterThan(50);
  });

  it('serves 0 stale reads in token mode to users who read 150 ms after writing', async () => {
    const stale = await pairs(token[0], token[1], 100, () => 150);
    console.log(`token mode: ${stale} stale reads in 100 pairs read 150 ms after the write`);
    expect(stale).toBe(0);
  });

  it('serves token reads from the replica once it has caught up, still with 0 stale reads', async () => {
    // pattern:telemetry:begin
    const satisfied = () =>
      Promise.all(
        token.map((i) => metricSum(i.adminUrl, READS, { db_read_reason: 'token-satisfied' })),
      );
    const before = await satisfied();
    // pattern:telemetry:end
    // Think times around the 300 ms lag: some reads come before the replica has the write,
    // some after; the token must send each to the right place.
    const stale = await pairs(token[0], token[1], 100, () => 200 + Math.random() * 400);
    console.log(`token mode, reads 200-600 ms after the write: ${stale} stale`);
    expect(stale).toBe(0);
    // pattern:telemetry:begin
    const after = await satisfied();
    const onReplica = after[0] + after[1] - before[0] - before[1];
    console.log(`... of which ${onReplica}/100 on the replica`);
    expect(onReplica).toBeGreaterThan(0);
    // pattern:telemetry:end
  });

  // pattern:telemetry:begin
  it('still serves most token-less reads from the replica', async () => {
    const { body: doc } = await request(token[0].url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 'old', body: 'b' });
    const before = await Promise.all(
      token.map((i) => metricSum(i.adminUrl, READS, { db_read_reason: 'no-token' })),
    );
    const primaryBefore = await Promise.all(
      token.map((i) => metricSum(i.adminUrl, READS, { db_read_target: 'primary' })),
    );
    for (let i = 0; i < 200; i++) {
      await request(token[i % 2].url)
        .get(`/v1/documents/${doc.id}`)
        .set(auth);
    }
    const after = await Promise.all(
      token.map((i) => metricSum(i.adminUrl, READS, { db_read_reason: 'no-token' })),
    );
    const primaryAfter = await Promise.all(
      token.map((i) => metricSum(i.adminUrl, READS, { db_read_target: 'primary' })),
    );
    const onReplica = after[0] + after[1] - before[0] - before[1];
    const onPrimary = primaryAfter[0] + primaryAfter[1] - primaryBefore[0] - primaryBefore[1];
    console.log(`token-less reads: ${onReplica} on the replica, ${onPrimary} on the primary`);
    expect(onReplica / (onReplica + onPrimary)).toBeGreaterThan(0.9);
  });
  // pattern:telemetry:end

  it('answers 400 to forged and truncated tokens', async () => {
    const { headers, body: doc } = await request(token[0].url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 't', body: 'b' });
    const real = headers['x-consistency-token'] as string;
    const forged = new ConsistencyTokens({
      secret: 'not-the-secret-of-this-deployment',
      ttlMs: 600_000,
    }).issue({
      lsn: 1n,
      writtenAtMs: Date.now(),
    });
    for (const bad of [forged, real.slice(0, -3), 'v9.0/0.0.x', 'garbage', 'x'.repeat(500)]) {
      const res = await request(token[1].url)
        .get(`/v1/documents/${doc.id}`)
        .set(auth)
        .set('X-Consistency-Token', bad);
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('/problems/invalid-consistency-token');
    }
  });

  it('serves a token from the future safely from the primary', async () => {
    const { body: doc } = await request(token[0].url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 't', body: 'b' });
    const future = new ConsistencyTokens({ secret: SECRET, ttlMs: 600_000 }).issue({
      lsn: Lsn.parse('FFFF/0'),
      writtenAtMs: Date.now(),
    });
    // pattern:telemetry:begin
    const tooNew = () => metricSum(token[1].adminUrl, READS, { db_read_reason: 'token-too-new' });
    const before = await tooNew();
    // pattern:telemetry:end
    await request(token[1].url)
      .get(`/v1/documents/${doc.id}`)
      .set(auth)
      .set('X-Consistency-Token', future)
      .expect(200);
    expect(await tooNew()).toBe(before + 1); // pattern:telemetry
  });

  it('keeps serving reads from the primary while the replica is down, and takes it back after', async () => {
    const { body: doc } = await request(token[0].url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 't', body: 'b' });
    const api = token[0];
    const inRotation = async () => {
      const [replica] = (await readiness(api.url)).replicas.members as { inRotation: boolean }[];
      return replica.inRotation;
    };
    stack('stop-member', 'replica');
    try {
      for (let i = 0; i < 50; i++) {
        await request(api.url).get(`/v1/documents/${doc.id}`).set(auth).expect(200);
      }
      await pollUntil(async () => !(await inRotation()), {
        timeoutMs: 5000,
        what: 'the replica to leave the rotation',
      });
    } finally {
      stack('start-member', 'replica');
    }
    await pollUntil(inRotation, { timeoutMs: 20_000, what: 'the replica to rejoin the rotation' });
    // pattern:telemetry:begin
    const before = await metricSum(api.adminUrl, READS, { db_read_target: 'replica' });
    await pollUntil(
      async () => {
        await request(api.url).get(`/v1/documents/${doc.id}`).set(auth).expect(200);
        return (await metricSum(api.adminUrl, READS, { db_read_target: 'replica' })) > before;
      },
      { timeoutMs: 5000, what: 'a read served by the replica again' },
    );
    // pattern:telemetry:end
  });

  describe('rotating the token secret', () => {
    const NEXT = 'read-your-writes-suite-next-secret';
    let before: Instance; // step 1 done: signs with the old secret, already accepts the new one
    let after: Instance; // step 2 done: signs with the new secret, still accepts the old one

    beforeAll(async () => {
      const env = {
        READ_REPLICAS: 'on',
        READ_CONSISTENCY: 'token',
        CACHE_L1: 'off',
        CACHE_L2: 'off',
      };
      [[before], [after]] = await Promise.all([
        startInstances(1, {
          ...env,
          CONSISTENCY_TOKEN_SECRET: SECRET,
          CONSISTENCY_TOKEN_PREVIOUS_SECRETS: NEXT,
        }),
        startInstances(1, {
          ...env,
          CONSISTENCY_TOKEN_SECRET: NEXT,
          CONSISTENCY_TOKEN_PREVIOUS_SECRETS: SECRET,
        }),
      ]);
    });
    afterAll(() => stopAll([before, after].filter(Boolean)));

    it('keeps every token in flight working, both ways, while instances hold either secret', async () => {
      for (const [writer, reader] of [
        [token[0], after], // a token of the old secret, read after the switch
        [after, before], // a token of the new secret, read by an instance not yet switched
      ]) {
        const title = `rotation ${Math.random()}`;
        const created = await request(writer.url)
          .post('/v1/documents')
          .set(auth)
          .send({ title, body: 'b' })
          .expect(201);
        // The replica is 300 ms behind: a token that were ignored would read it stale (404).
        const read = await request(reader.url)
          .get(`/v1/documents/${created.body.id}`)
          .set(auth)
          .set('X-Consistency-Token', created.headers['x-consistency-token'] as string);
        expect(read.status).toBe(200);
        expect(read.body.title).toBe(title);
      }
    });

    it('refuses the new secret\'s tokens where it is unknown: hence "accept first, then sign"', async () => {
      const created = await request(after.url)
        .post('/v1/documents')
        .set(auth)
        .send({ title: 't', body: 'b' })
        .expect(201);
      const res = await request(token[0].url)
        .get(`/v1/documents/${created.body.id}`)
        .set(auth)
        .set('X-Consistency-Token', created.headers['x-consistency-token'] as string);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ type: '/problems/invalid-consistency-token' });
      expect(res.body.detail).toContain('unknown key');
    });
  });
});
