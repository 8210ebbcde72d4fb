import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Answer, pacedLoad, tally } from './paced-load';
import { LoadRecorder } from './recorder';

describe('pacedLoad', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];

  beforeAll(async () => {
    // Writes are refused as an open breaker refuses them; reads are served.
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.headers['x-tenant']}`);
      if (req.method === 'POST') {
        res
          .writeHead(503, { 'retry-after': '2', 'content-type': 'application/problem+json' })
          .end('{"type":"/problems/circuit-open","status":503}');
      } else res.writeHead(200).end('{}');
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('sends each request as given, and hands every answer over with its Retry-After and problem', async () => {
    const answers: Answer[] = [];
    const recorder = new LoadRecorder();
    let n = 0;
    await pacedLoad({
      rate: 200,
      seconds: 0.2,
      next: () =>
        n++ % 2 ? { url, method: 'POST', body: '{}', headers: { 'x-tenant': 'b' } } : `${url}/`,
      headers: { 'x-tenant': 'a' },
      recorder,
      onAnswer: (a) => answers.push(a),
    });
    expect(answers.length).toBe(recorder.requests);
    expect(answers.filter((a) => a.status === 503).every((a) => a.retryAfter === '2')).toBe(true);
    expect(answers.filter((a) => a.status === 200).every((a) => a.retryAfter === null)).toBe(true);
    expect(new Set(seen)).toEqual(new Set(['GET a', 'POST b']));
    expect(answers.filter((a) => a.status === 503).every((a) => a.problem === 'circuit-open')).toBe(
      true,
    );
    expect(tally(answers)).toMatch(/^(200|503 circuit-open)×\d+, (200|503 circuit-open)×\d+$/);
  });

  it('stops sending once until() is true, before its seconds are up', async () => {
    const started = performance.now();
    let stop = false;
    setTimeout(() => (stop = true), 100);
    const { sent } = await pacedLoad({
      rate: 100,
      seconds: 60,
      until: () => stop,
      next: () => url,
      headers: {},
      recorder: new LoadRecorder(),
    });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(sent).toBeGreaterThan(0);
  });

  it('sends a request again, once, when its kept-alive connection closes before an answer; other transport errors show their code', async () => {
    // What a client sees when an old nginx worker closes its idle kept-alive connection at a
    // reload just as the client sends on it: no answer, the connection gone. Here each
    // connection's second request gets that.
    const served = new WeakMap<object, number>();
    const closing = createServer((req, res) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n > 1) req.socket.destroy();
      else res.writeHead(200).end('{}');
    }).listen(0, '127.0.0.1');
    await once(closing, 'listening');
    const closingUrl = `http://127.0.0.1:${(closing.address() as AddressInfo).port}/`;
    const unused = createServer().listen(0, '127.0.0.1');
    await once(unused, 'listening');
    const refusedUrl = `http://127.0.0.1:${(unused.address() as AddressInfo).port}/`;
    unused.close();
    try {
      const answers: Answer[] = [];
      let n = 0;
      const { sent, resent } = await pacedLoad({
        rate: 100,
        seconds: 0.3,
        next: () => (n++ === 5 ? refusedUrl : closingUrl),
        headers: {},
        recorder: new LoadRecorder(),
        onAnswer: (a) => answers.push(a),
      });
      expect(resent).toBeGreaterThan(0);
      expect(answers).toHaveLength(sent);
      expect(tally(answers)).toMatch(/^(200×\d+, 0 ECONNREFUSED×1|0 ECONNREFUSED×1, 200×\d+)$/);
    } finally {
      closing.close();
    }
  });
});
