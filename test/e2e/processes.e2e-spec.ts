import { once } from 'node:events';
import request from 'supertest';
import { spawnProcess, startInstances, waitReady } from '../helpers/instances';
import { pollUntil } from '../helpers/poll';

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
        replicas: { status: 'up', degraded: false },
        redis: { status: 'up' },
      });
      expect(ready.body.details.replicas.members[0]).toMatchObject({
        member: 1,
        state: 'streaming',
      });
      expect(typeof ready.body.details.replicas.members[0].lagBytes).toBe('number');
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

  it('on SIGTERM turns readiness off first, keeps serving through the drain delay, then exits 0', async () => {
    const [api] = await startInstances(1, { SHUTDOWN_DRAIN_DELAY_MS: '1500' });
    api.process.kill('SIGTERM');
    await pollUntil(
      async () => (await fetch(`${api.url}/health/ready`).catch(() => undefined))?.status === 503,
      { timeoutMs: 1000, what: 'readiness to fail' },
    );
    await request(api.url).get('/health/live').expect(200); // still serving while draining
    expect(await api.exit).toBe(0);
  });

  it('exits 0 on SIGTERM', async () => {
    const [api] = await startInstances(1);
    expect(await api.stop('SIGTERM')).toBe(0);
  });

  it('runs the worker role: it boots, reports health and shuts down cleanly', async () => {
    const worker = await spawnProcess('worker');
    await waitReady(worker);
    const ready = await request(worker.url).get('/health/ready').expect(200);
    expect(ready.body.details.primary.status).toBe('up');
    await request(worker.url).get('/v1/documents').expect(404);
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.output()).not.toMatch(/"level":50/);
  });
});
