/**
 * Open-loop load at a fixed offered rate, for the capacity steps. autocannon's `overallRate`
 * gives each connection a budget per second that it spends back to back at the start of the
 * second, so the server sees a burst every second and p99 measures the burst, not the rate (at
 * 200 req/s and 45% CPU, p50 was 41 ms). Here requests start evenly spaced (every 1/rate s, caught
 * up on a 5 ms tick) and do not wait for earlier answers, as independent users do; a request that
 * would exceed `maxInFlight` is not sent, which shows as achieved < offered. Like a browser, it
 * sends a request again, once, when its kept-alive connection closed before any answer (nginx's
 * old workers close theirs at each reload: fetchThroughBalancer); `resent` counts those.
 */
import { fetchThroughBalancer } from '../balancer-fetch';
import { errorCode, LoadRecorder } from './recorder';

/** A request other than a GET with the load's headers: a write, or another tenant's key. */
export interface PacedRequest {
  url: string;
  method?: string;
  body?: string;
  /** On top of the load's headers. */
  headers?: Record<string, string>;
}

/** One answer, as the scenarios that judge answers one by one see it. */
export interface Answer {
  /** 0 for a transport error or a timeout. */
  status: number;
  ms: number;
  retryAfter: string | null;
  /**
   * A refusal's problem type, its last segment (`overloaded`, `circuit-open`); for a transport
   * error, its code (`UND_ERR_SOCKET`, `TimeoutError`); else undefined.
   */
  problem?: string;
  /** performance.now() when it was sent. */
  sentAt: number;
}

export interface PacedLoadOptions {
  rate: number;
  /** How long to send, in seconds (or less: see `until`). */
  seconds: number;
  /** The next request: a URL to GET, or a PacedRequest. */
  next: () => string | PacedRequest;
  headers: Record<string, string>;
  recorder: LoadRecorder;
  /** Requests allowed in flight at once. @defaultValue 1000 */
  maxInFlight?: number;
  /** Stops sending as soon as it returns true (a scenario's own end, e.g. a restart done). */
  until?: () => boolean;
  /** Every answer, beside the recorder's count of it. */
  onAnswer?: (answer: Answer, request: PacedRequest) => void;
}

export async function pacedLoad(
  o: PacedLoadOptions,
): Promise<{ sent: number; skipped: number; resent: number }> {
  const maxInFlight = o.maxInFlight ?? 1000;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let skipped = 0;
  let resent = 0;
  const send = () => {
    const next = o.next();
    const request = typeof next === 'string' ? { url: next } : next;
    const t0 = performance.now();
    const answered = (status: number, retryAfter: string | null = null, problem?: string) => {
      const ms = performance.now() - t0;
      o.recorder.record(status, ms, status === 0 ? problem : undefined);
      o.onAnswer?.({ status, ms, retryAfter, problem, sentAt: t0 }, request);
    };
    const init = {
      method: request.method,
      body: request.body,
      headers: { ...o.headers, ...request.headers },
      signal: AbortSignal.timeout(10_000),
    };
    const p = fetchThroughBalancer(request.url, init, () => resent++)
      .then(async (res) => {
        // Only refusals are read: which 503 it was (shed, breaker open) is the point of a fault.
        const body = res.status >= 400 ? await res.text() : void (await res.arrayBuffer());
        const problem = body && /"type"\s*:\s*"[^"]*?([^/"]+)"/.exec(body)?.[1];
        answered(res.status, res.headers.get('retry-after'), problem || undefined);
      })
      .catch((err: unknown) => answered(0, null, errorCode(err)))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  for (;;) {
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed >= o.seconds || o.until?.()) break;
    const due = Math.floor(elapsed * o.rate) - sent - skipped;
    for (let i = 0; i < due; i++) {
      if (inFlight.size >= maxInFlight) skipped++;
      else {
        sent++;
        send();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(inFlight);
  return { sent, skipped, resent };
}

/** `201×40, 503 circuit-open×12`: statuses (and problem types) counted; 0 is a transport error. */
export function tally(answers: readonly Answer[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) {
    const key = a.problem ? `${a.status} ${a.problem}` : String(a.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${key}×${n}`).join(', ') || 'none';
}
