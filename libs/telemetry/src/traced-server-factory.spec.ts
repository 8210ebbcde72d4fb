import { request } from 'node:http';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { pollUntil, startTracedApp, type TracedApp } from './telemetry.fixture';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN_ID = 'b7ad6b7169203331';

function routes(app: FastifyInstance): void {
  app.get('/items/:id', async () => ({ ok: true }));
  app.get('/boom', async (_request, reply) => reply.code(503).send({ down: true }));
  app.post('/echo', async (request) => ({
    body: request.body,
    traced: trace.getActiveSpan() !== undefined,
  }));
}

describe('tracedServerFactory with registerHttpTelemetry', () => {
  let running: TracedApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('traces every request at ratio 1, as one SERVER span named after the route template', async () => {
    running = await startTracedApp({ traceSampleRatio: 1 }, routes);
    const res = await fetch(`${running.url}/items/42?full=1`);
    expect(res.status).toBe(200);
    await pollUntil(() => running!.spans.getFinishedSpans().length === 1, 'the server span');

    const [span] = running.spans.getFinishedSpans();
    expect(span.name).toBe('GET /items/:id');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/items/:id',
      'http.response.status_code': 200,
      'url.path': '/items/42',
    });
    // A query string can carry secrets or personal data: it never reaches a span.
    expect(span.attributes).not.toHaveProperty('url.query');
    expect(JSON.stringify(span.attributes)).not.toContain('full=1');
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('creates no span at all at ratio 0', async () => {
    running = await startTracedApp({ traceSampleRatio: 0 }, routes);
    for (let i = 0; i < 20; i++)
      expect((await fetch(`${running.url}/items/${i}`)).status).toBe(200);
    // A sampled request sent afterwards would be exported by now (the span processor is synchronous).
    await fetch(`${running.url}/items/x`, {
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` },
    });
    await pollUntil(() => running!.spans.getFinishedSpans().length > 0, 'the marker span');
    expect(running.spans.getFinishedSpans().map((s) => s.spanContext().traceId)).toEqual([
      TRACE_ID,
    ]);
  });

  it('continues an incoming sampled traceparent even at ratio 0', async () => {
    running = await startTracedApp({ traceSampleRatio: 0 }, routes);
    await fetch(`${running.url}/items/7`, {
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` },
    });
    await pollUntil(() => running!.spans.getFinishedSpans().length === 1, 'the server span');

    const [span] = running.spans.getFinishedSpans();
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
    expect(span.parentSpanContext?.isRemote).toBe(true);
  });

  it('respects an incoming unsampled traceparent even at ratio 1', async () => {
    running = await startTracedApp({ traceSampleRatio: 1 }, routes);
    await fetch(`${running.url}/items/7`, {
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-00` },
    });
    await fetch(`${running.url}/items/8`); // sampled: its span marks the end of the wait
    await pollUntil(() => running!.spans.getFinishedSpans().length > 0, 'the marker span');
    const traceIds = running.spans.getFinishedSpans().map((s) => s.spanContext().traceId);
    expect(traceIds).toHaveLength(1);
    expect(traceIds).not.toContain(TRACE_ID);
  });

  it('ignores the sampled flag of a peer it does not trust: sampled at the ratio, the incoming context a link', async () => {
    running = await startTracedApp({ traceSampleRatio: 0, traceContextTrust: false }, routes);
    for (let i = 0; i < 20; i++) {
      await fetch(`${running.url}/items/${i}`, {
        headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` },
      });
    }
    await running.app.close(); // every response has closed: any span there is has ended
    expect(running.spans.getFinishedSpans()).toHaveLength(0);
  });

  it('starts a new trace linked to the untrusted incoming context when the ratio samples it', async () => {
    running = await startTracedApp(
      { traceSampleRatio: 1, traceContextTrust: '10.0.0.0/8' },
      routes,
    );
    await fetch(`${running.url}/items/7`, {
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-00` },
    });
    await pollUntil(() => running!.spans.getFinishedSpans().length === 1, 'the server span');

    const [span] = running.spans.getFinishedSpans();
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).not.toBe(TRACE_ID);
    expect(span.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([
      [TRACE_ID, PARENT_SPAN_ID],
    ]);
  });

  it('starts a fresh trace for a malformed traceparent', async () => {
    running = await startTracedApp({ traceSampleRatio: 1 }, routes);
    await fetch(`${running.url}/items/7`, { headers: { traceparent: 'not-a-traceparent' } });
    await pollUntil(() => running!.spans.getFinishedSpans().length === 1, 'the server span');
    expect(running.spans.getFinishedSpans()[0].parentSpanContext).toBeUndefined();
  });

  it('marks a 5xx response as an error', async () => {
    running = await startTracedApp({ traceSampleRatio: 1 }, routes);
    expect((await fetch(`${running.url}/boom`)).status).toBe(503);
    await pollUntil(() => running!.spans.getFinishedSpans().length === 1, 'the server span');

    const [span] = running.spans.getFinishedSpans();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['http.response.status_code']).toBe(503);
  });

  it('keeps the span active in a handler that runs after the body was read', async () => {
    running = await startTracedApp({ traceSampleRatio: 1 }, routes);
    // The body's end arrives in a later socket read, whose callbacks run in the connection's
    // async context: the handler must still run in the request's.
    const answer = await postInTwoParts(`${running.url}/echo`, '{"title":', '"late"}');
    expect(JSON.parse(answer)).toEqual({ body: { title: 'late' }, traced: true });
    await pollUntil(() => running!.spans.getFinishedSpans().length === 1, 'the server span');
    expect(running.spans.getFinishedSpans()[0].name).toBe('POST /echo');
  });

  it('names the span after the method alone when no route matched', async () => {
    running = await startTracedApp({ traceSampleRatio: 1 }, routes);
    expect((await fetch(`${running.url}/nowhere/123`)).status).toBe(404);
    await pollUntil(() => running!.spans.getFinishedSpans().length === 1, 'the server span');

    const [span] = running.spans.getFinishedSpans();
    expect(span.name).toBe('GET');
    expect(span.attributes['http.route']).toBeUndefined();
  });

  it('adds nothing with tracing off', async () => {
    running = await startTracedApp({ tracing: 'off', traceSampleRatio: 1 }, routes);
    const res = await fetch(`${running.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await res.json()).toMatchObject({ traced: false });
    expect(running.spans.getFinishedSpans()).toHaveLength(0);
  });
});

/** POSTs a JSON body whose second part is written only after the server has answered 100 Continue. */
function postInTwoParts(url: string, first: string, second: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(first + second),
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.write(first, () => setTimeout(() => req.end(second), 20));
  });
}
