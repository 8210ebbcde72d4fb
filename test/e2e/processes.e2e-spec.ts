import { once } from 'node:events';
import request from 'supertest';
// pattern:queue:begin
import { Instance, spawnProcess, startInstances, waitReady } from '../helpers/instances';
// pattern:queue:else
// import { Instance, spawnProcess, startInstances } from '../helpers/instances';
// pattern:queue:end
import { closePrimary, primary } from '../helpers/jobs';
import { pollUntil } from '../helpers/poll';
import { newTenant } from '../helpers/tenants';

/** Polls until the instance's readiness answers 503 (it has started shutting down). */
const readinessFails = (api: Instance, timeoutMs = 5000) =>
  pollUntil(
    async () => (await fetch(`${api.url}/health/ready`).catch(() => undefined))?.status === 503,
    { timeoutMs, what: 'readiness to fail' },
  );

describe('process lifecycle', () => {
  it('refuses to start on a bad variable and names it', async () => {
    const api = await spawnProcess('main', { DATABASE_PRIMARY_URL: 'mysql://nope', PORT: 'x' });
    const code = await once(api.process, 'exit').then(([c]) => c);
    expect(code).toBe(78);
    expect(api.output()).toContain('DATABASE_PRIMARY_URL');
    expect(api.output()).toContain('PORT');
  });

  it('refuses the local admin key in production', async () => {
    const api = await spawnProcess('main', { NODE_ENV: 'production' });
    await once(api.process, 'exit');
    expect(api.output()).toMatch(/ADMIN_API_KEY: must be set/);
  });

  it('reports live and ready with the state of every dependency', async () => {
    const [api] = await startInstances(1);
    try {
      await request(api.url).get('/health/live').expect(200);
      const ready = await request(api.url).get('/health/ready').expect(200);
      expect(ready.body.details).toMatchObject({
        primary: { status: 'up' },
        replicas: { status: 'up', degraded: false }, // pattern:read-replicas
        redis: { status: 'up' },
      });
      // pattern:read-replicas:begin
      expect(ready.body.details.replicas.members[0]).toMatchObject({
        member: 1,
        state: 'streaming',
      });
      expect(typeof ready.body.details.replicas.members[0].lagBytes).toBe('number');
      // pattern:read-replicas:end
      expect(JSON.stringify(ready.body)).not.toMatch(/postgres:|redis:|127\.0\.0\.1/);
    } finally {
      await api.stop();
    }
  });

  it('serves the OpenAPI document at /docs', async () => {
    const [api] = await startInstances(1);
    try {
      const res = await request(api.url).get('/docs-json').expect(200);
      expect(Object.keys(res.body.paths)).toEqual(
        expect.arrayContaining(['/v1/documents', '/v1/documents/{id}']),
      );
      await request(api.url).get('/docs').expect(200);
    } finally {
      await api.stop();
    }
  });

  it('serves no OpenAPI document with API_DOCS=off (the prod overlay): /docs and /docs-json answer 404', async () => {
    const [api] = await startInstances(1, { API_DOCS: 'off' });
    try {
      for (const path of ['/docs', '/docs-json']) {
        const res = await request(api.url).get(path).expect(404);
        expect([path, res.headers['content-type']]).toEqual([
          path,
          expect.stringContaining('application/problem+json'),
        ]);
      }
    } finally {
      await api.stop();
    }
  });

  it('on SIGTERM turns readiness off first, keeps serving through the drain delay, then exits 0', async () => {
    const [api] = await startInstances(1, { SHUTDOWN_DRAIN_DELAY_MS: '1500' });
    api.process.kill('SIGTERM');
    await readinessFails(api, 1000); // within the 1.5 s drain: readiness goes first
    await request(api.url).get('/health/live').expect(200); // still serving while draining
    expect(await api.exit).toBe(0);
  });

  it('finishes a request in flight when SIGTERM arrives, after the listener closed, before it exits 0', async () => {
    // The request is held in flight by a lock the test takes on the documents table: its INSERT
    // waits for the lock, whatever patterns the tree has, until the test lets it go.
    const [api] = await startInstances(1);
    const { key } = await newTenant('shutdown');
    const owner = await primary().connect();
    try {
      await owner.query('BEGIN');
      await owner.query('LOCK TABLE documents IN EXCLUSIVE MODE'); // reads pass, writes wait
      const answered = request(api.url)
        .post('/v1/documents')
        .set('Authorization', `Bearer ${key}`)
        .send({ title: 'Held create', body: 'x' })
        .then((res) => res.status);
      await pollUntil(
        async () => {
          const { rows } = await primary().query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks
              WHERE relation = 'documents'::regclass AND NOT granted`,
          );
          return rows[0].n >= 1;
        },
        { what: 'the create to wait for the lock' },
      );
      api.process.kill('SIGTERM');
      // The listener closes (no new connection is accepted) while the create is still held;
      // until it does, liveness answers 200: the process serves what it has.
      const live: number[] = [];
      await pollUntil(
        async () => {
          const res = await fetch(`${api.url}/health/live`).catch(() => undefined);
          if (res) live.push(res.status);
          return !res;
        },
        { what: 'the listener to close' },
      );
      expect(live.filter((status) => status !== 200)).toEqual([]);
      await owner.query('COMMIT');
      expect(await answered).toBe(201);
      expect(await api.exit).toBe(0);
    } finally {
      owner.release();
      await closePrimary();
    }
  });

  it('exits at once on a second signal, without waiting out the drain delay', async () => {
    const [api] = await startInstances(1, {
      SHUTDOWN_DRAIN_DELAY_MS: '8000',
      SHUTDOWN_TIMEOUT_MS: '30000',
    });
    api.process.kill('SIGTERM');
    await readinessFails(api);
    api.process.kill('SIGTERM');
    expect(await api.exit).toBe(130);
  });

  it('exits 0 on SIGTERM', async () => {
    const [api] = await startInstances(1);
    expect(await api.stop('SIGTERM')).toBe(0);
  });

  // pattern:queue:begin
  it('runs the worker role: it boots, reports health and shuts down cleanly', async () => {
    const worker = await spawnProcess('worker');
    await waitReady(worker);
    const ready = await request(worker.url).get('/health/ready').expect(200);
    expect(ready.body.details.primary.status).toBe('up');
    await request(worker.url).get('/v1/documents').expect(404);
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.output()).not.toMatch(/"level":50/);
  });
  // pattern:queue:end
});
