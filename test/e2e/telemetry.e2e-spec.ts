/**
 * Telemetry read back from an in-memory exporter. The app runs in this process (the exporter must
 * be in the same process as the spans), on the real stack, built from dist/ like the other suites.
 *
 * The app is loaded with Node's own `require` (createRequire), so that it shares the OpenTelemetry
 * API globals with the exporter here. The pg and ioredis instrumentations cannot patch modules
 * loaded under jest, so their spans are checked against a real process (otlp-export suite).
 */
import type { TelemetryHandle } from '@docscale/telemetry';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SpanKind } from '@opentelemetry/api';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import request from 'supertest';
import { pollUntil } from '../helpers/poll';

const nodeRequire = createRequire(__filename);
const dist = (path: string) => nodeRequire(join(__dirname, '../../dist', path));

describe('telemetry', () => {
  const { InMemorySpanExporter: Exporter } = nodeRequire('@opentelemetry/sdk-trace');
  const exporter: InMemorySpanExporter = new Exporter();
  let telemetry: TelemetryHandle;
  let app: NestFastifyApplication;
  let url: string;
  let auth: { Authorization: string };
  let docId: string;

  beforeAll(async () => {
    // Started before the app's modules load, as src/instrument.ts does.
    telemetry = dist('libs/telemetry/src').startTelemetry({
      serviceName: 'docscale-test',
      tracing: 'docscale',
      traceSampleRatio: 1,
      spanExporter: exporter,
    });
    const { createApp } = dist('src/app.factory');
    const { AppConfig } = dist('src/config');
    app = await createApp(
      AppConfig.load({
        ...process.env,
        LOG_LEVEL: 'silent',
        API_DOCS: 'off',
        READ_REPLICAS: 'off',
      }),
      telemetry,
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.getUrl();
    const { newTenant } = await import('../helpers/tenants'); // after start: it loads pg
    auth = { Authorization: `Bearer ${(await newTenant('telemetry')).key}` };
    const res = await request(url).post('/v1/documents').set(auth).send({ title: 't', body: 'b' });
    docId = res.body.id;
  });
  afterAll(async () => {
    await app.close();
    await telemetry.shutdown();
  });
  beforeEach(() => exporter.reset());

  const serverSpans = () => exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);

  it('records a server span named by the route template', async () => {
    await request(url).get(`/v1/documents/${docId}`).set(auth).expect(200);
    await pollUntil(() => serverSpans().length === 1, { what: 'the server span' });
    const [server] = serverSpans();
    expect(server.name).toBe('GET /v1/documents/:id');
    expect(server.attributes['http.route']).toBe('/v1/documents/:id');
    expect(server.attributes['http.response.status_code']).toBe(200);
  });

  // pattern:cache:begin
  it('names the cache level that answered on the server span', async () => {
    const { body: doc } = await request(url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 'c', body: 'b' });
    const levels: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      exporter.reset();
      await request(url).get(`/v1/documents/${doc.id}`).set(auth).expect(200);
      await pollUntil(() => serverSpans().length === 1, { what: 'the server span' });
      levels.push(serverSpans()[0].attributes['cache.level']);
    }
    expect(levels).toEqual(['db', 'l1']);
  });
  // pattern:cache:end

  it('follows an unsampled traceparent: no span', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    await request(url)
      .get(`/v1/documents/${docId}`)
      .set(auth)
      .set('traceparent', traceparent)
      .expect(200);
    await request(url).get('/health/live').expect(200); // a sampled request after it, as a marker
    await pollUntil(() => serverSpans().length === 1, { what: 'the marker span' });
    expect(serverSpans()[0].name).toBe('GET /health/live');
  });

  it('continues a sampled incoming trace', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await request(url)
      .get(`/v1/documents/${docId}`)
      .set(auth)
      .set('traceparent', traceparent)
      .expect(200);
    await pollUntil(() => serverSpans().length === 1, { what: 'the server span' });
    expect(serverSpans()[0].spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(serverSpans()[0].parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });

  it('marks a 5xx-free client error as a finished span with its status code', async () => {
    await request(url).get('/v1/documents/not-a-uuid').set(auth).expect(400);
    await pollUntil(() => serverSpans().length === 1, { what: 'the server span' });
    expect(serverSpans()[0].attributes['http.response.status_code']).toBe(400);
  });

  it('exposes RED metrics per route template on /metrics', async () => {
    await request(url).get(`/v1/documents/${docId}`).set(auth).expect(200);
    const res = await request(url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const line = res.text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('http_server_request_duration_count') &&
          l.includes('http_route="/v1/documents/:id"'),
      );
    expect(line).toBeDefined();
    expect(Number(line!.split(' ').at(-1))).toBeGreaterThanOrEqual(1);
    expect(res.text).not.toContain(docId); // raw URLs never become labels
  });
});
