/**
 * The operator plane (/v1/admin/*, /metrics) answers on the operator listener (OPERATOR_PORT) and
 * nowhere else: the public port answers it with the API's ordinary 404, whatever key is sent.
 * /health/* answers on both. The listener closes with the process: a connection an operator keeps
 * open does not hold up the graceful shutdown.
 */
import request from 'supertest';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { ANY_TOGGLE } from '../helpers/toggles'; // pattern:cache,read-replicas,queue,rate-limit,shedding

const ADMIN_KEY = 'admin-key-for-the-operator-plane-suite';

describe('the operator listener', () => {
  let api: Instance;
  const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

  beforeAll(async () => {
    [api] = await startInstances(1, { ADMIN_API_KEY: ADMIN_KEY });
  });
  afterAll(async () => {
    await stopAll([api]);
  });

  it('listens on a port of its own', () => {
    expect(api.adminUrl).not.toBe(api.url);
  });

  it('serves the admin toggles with the admin key', async () => {
    const res = await request(api.adminUrl).get('/v1/admin/toggles').set(admin).expect(200);
    // pattern:cache,read-replicas,queue,rate-limit,shedding:begin
    expect(res.body.toggles).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: ANY_TOGGLE })]),
    );
    // pattern:cache,read-replicas,queue,rate-limit,shedding:else
    // expect(res.body.toggles).toEqual([]); // no pattern with a toggle is left
    // pattern:cache,read-replicas,queue,rate-limit,shedding:end
  });

  // pattern:telemetry:begin
  it('serves /metrics', async () => {
    const res = await request(api.adminUrl).get('/metrics').expect(200);
    expect(res.text).toMatch(/^# TYPE http_server_request_duration histogram$/m);
  });
  // pattern:telemetry:end

  it('still asks for the admin key', async () => {
    const res = await request(api.adminUrl).get('/v1/admin/toggles').expect(401);
    expect(res.body.type).toBe('/problems/invalid-admin-key');
  });

  it('answers the health probes on both ports', async () => {
    await request(api.url).get('/health/ready').expect(200);
    await request(api.adminUrl).get('/health/ready').expect(200);
  });

  it.each([
    ['GET', '/v1/admin/toggles'],
    ['PATCH', '/v1/admin/toggles'],
    ['GET', '/metrics'],
  ])(
    'answers %s %s on the public port with the 404 problem of an unknown route, even with the admin key',
    async (method, path) => {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: { ...admin, 'Content-Type': 'application/json' },
        body: method === 'PATCH' ? JSON.stringify({ LOAD_SHEDDING: false }) : undefined,
      });
      const unknown = await fetch(`${api.url}/v1/no-such-route`);

      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const body = (await res.json()) as Record<string, unknown>;
      const { instance: _, ...rest } = (await unknown.json()) as Record<string, unknown>;
      expect(body).toEqual({ ...rest, instance: path });
    },
  );

  // pattern:shedding:begin
  it('did not apply a toggle sent to the public port', async () => {
    const res = await request(api.adminUrl).get('/v1/admin/toggles').set(admin).expect(200);
    expect(res.body.toggles).toContainEqual({ name: 'LOAD_SHEDDING', on: true, source: 'config' });
  });
  // pattern:shedding:end

  it('does not hold up a graceful shutdown with a connection kept open to it', async () => {
    const [other] = await startInstances(1, { ADMIN_API_KEY: ADMIN_KEY });
    try {
      // fetch keeps the connection alive after the answer: an operator's open connection.
      await fetch(`${other.adminUrl}/health/ready`).then((r) => r.text());
      const started = Date.now();
      expect(await other.stop('SIGTERM')).toBe(0);
      expect(Date.now() - started).toBeLessThan(5000); // well within SHUTDOWN_TIMEOUT_MS (10 s)
    } finally {
      await stopAll([other]);
    }
  });

  it('stops the process at start when its port is taken, naming OPERATOR_PORT', async () => {
    const [other] = await Promise.allSettled([
      startInstances(1, { OPERATOR_PORT: new URL(api.adminUrl).port }),
    ]);
    expect(other.status).toBe('rejected');
    expect(String((other as PromiseRejectedResult).reason)).toMatch(
      /operator listener could not listen on .*OPERATOR_PORT.*EADDRINUSE/,
    );
  });
});
