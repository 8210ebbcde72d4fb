import { request } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { pollUntil, startTracedApp, type TracedApp } from './telemetry.fixture';

/** The value of one Prometheus sample whose labels include all of `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (wanted.every((pair) => labelText.split(',').includes(pair))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

describe('registerHttpTelemetry RED metrics', () => {
  let running: TracedApp | undefined;
  let release: () => void = () => undefined;
  const released = () => new Promise<void>((resolve) => (release = resolve));

  function routes(app: FastifyInstance): void {
    app.get('/items/:id', async () => ({ ok: true }));
    app.get('/fail', async (_request, reply) => reply.code(500).send({ failed: true }));
    app.get('/slow', async () => {
      await released();
      return { slow: true };
    });
  }

  afterEach(async () => {
    release();
    await running?.close();
    running = undefined;
  });

  it('counts requests per route template and status, never per raw URL', async () => {
    // Ratio 0: RED metrics cover every request, sampled or not.
    running = await startTracedApp({ traceSampleRatio: 0 }, routes);
    for (const id of ['1', '2', '3']) await fetch(`${running.url}/items/${id}`);
    await fetch(`${running.url}/fail`);

    const text = await running.telemetry.metricsText();
    const ok = {
      http_request_method: 'GET',
      http_route: '/items/:id',
      http_response_status_code: '200',
    };
    expect(sample(text, 'http_server_request_duration_count', ok)).toBe(3);
    expect(sample(text, 'http_server_request_duration_bucket', { ...ok, le: '+Inf' })).toBe(3);
    expect(sample(text, 'http_server_request_duration_sum', ok)).toBeGreaterThan(0);
    expect(
      sample(text, 'http_server_request_duration_count', {
        http_route: '/fail',
        http_response_status_code: '500',
      }),
    ).toBe(1);
    expect(text).not.toContain('/items/1');
    expect(text).toContain('# TYPE http_server_request_duration histogram');
  });

  it('puts every unmatched URL under the route "unmatched"', async () => {
    running = await startTracedApp({ traceSampleRatio: 0 }, routes);
    await fetch(`${running.url}/nope/1`);
    await fetch(`${running.url}/nope/2`);

    const text = await running.telemetry.metricsText();
    expect(
      sample(text, 'http_server_request_duration_count', {
        http_route: 'unmatched',
        http_response_status_code: '404',
      }),
    ).toBe(2);
    expect(text).not.toContain('/nope');
  });

  it('reports requests in flight, and none once they are answered', async () => {
    running = await startTracedApp({ traceSampleRatio: 0 }, routes);
    const url = running.url;
    const slow = fetch(`${url}/slow`);
    const inFlight = async () =>
      sample(await running!.telemetry.metricsText(), 'http_server_active_requests', {});
    await pollUntil(async () => (await inFlight()) === 1, 'one request in flight');

    release();
    expect((await slow).status).toBe(200);
    await pollUntil(async () => (await inFlight()) === 0, 'no request in flight');
  });

  it('records a request the client abandoned as 499 and no longer in flight', async () => {
    running = await startTracedApp({ traceSampleRatio: 0 }, routes);
    const text = () => running!.telemetry.metricsText();
    const req = request(`${running.url}/slow`);
    req.on('error', () => undefined);
    req.end();
    await pollUntil(
      async () => sample(await text(), 'http_server_active_requests', {}) === 1,
      'the request in flight',
    );

    req.destroy();
    const abandoned = { http_route: '/slow', http_response_status_code: '499' };
    await pollUntil(
      async () => sample(await text(), 'http_server_request_duration_count', abandoned) === 1,
      'the abandoned request',
    );
    expect(sample(await text(), 'http_server_active_requests', {})).toBe(0);
  });

  it('records nothing with metrics off', async () => {
    running = await startTracedApp({ traceSampleRatio: 1, metrics: false }, routes);
    await fetch(`${running.url}/items/1`);
    expect(running.telemetry.metricsEnabled).toBe(false);
    expect(await running.telemetry.metricsText()).toBe('');
  });
});
