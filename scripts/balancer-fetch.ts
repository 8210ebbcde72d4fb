/**
 * fetch through nginx as curl and browsers do it: see fetchThroughBalancer. Used by the rolling-
 * restart suite (test/e2e/rolling-restart.e2e-spec.ts) and the experiments' paced load (the
 * rolling-restart scenario), which both reload nginx while requests flow.
 */
import { request as httpRequest } from 'node:http';

const CLOSED_BEFORE_RESPONSE = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
/**
 * A request that failed later than this after it was sent is not sent again: an old nginx worker
 * closes a connection with a request in progress (one it may have passed on) only once
 * `worker_shutdown_timeout` (10 s, scripts/balancer.ts) has passed since the reload.
 */
const RESEND_WITHIN_MS = 5_000;

/**
 * fetch as curl and browsers do it: a request whose kept-alive connection closes before any
 * response byte is sent again, once, on a new connection (Node's fetch does not). A server may
 * close an idle keep-alive connection at any moment (RFC 9112 §9.3.1), and nginx's old workers
 * close theirs at every reload (Debian's nginx 1.22 without warning; from 1.27.4,
 * `keepalive_min_timeout` answers `Connection: close` first). Sending it again is safe behind
 * nginx even for a POST: a worker answers every request it has read before it exits, so an
 * unanswered request was never passed on, unless it was in progress when the worker's
 * `worker_shutdown_timeout` ran out: so only a failure within RESEND_WITHIN_MS of sending is sent
 * again. `onResend` counts these, and a test can check that no POST was applied twice.
 */
export async function fetchThroughBalancer(
  url: string,
  init: RequestInit,
  onResend: () => void,
): Promise<Response> {
  const sentAt = performance.now();
  try {
    return await fetch(url, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? '';
    if (!CLOSED_BEFORE_RESPONSE.has(code)) throw err;
    if (performance.now() - sentAt > RESEND_WITHIN_MS) throw err;
    onResend();
    return fetchOnNewConnection(url, init);
  }
}

/** One request on a connection of its own (fetch would take another pooled one, maybe as old). */
function fetchOnNewConnection(url: string, init: RequestInit): Promise<Response> {
  const headers = Object.fromEntries(new Headers(init.headers));
  const options = { method: init.method ?? 'GET', headers, agent: false as const };
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { ...options, signal: init.signal ?? undefined }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const body = chunks.length ? Buffer.concat(chunks) : null;
        const out = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          out.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        }
        resolve(new Response(body, { status: res.statusCode, headers: out }));
      });
    });
    req.on('error', reject);
    req.end(typeof init.body === 'string' ? init.body : undefined);
  });
}
