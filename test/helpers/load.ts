/**
 * Load for the overload, fault and rolling-restart suites, every answer recorded with its
 * latency: concurrent clients in a closed loop (startLoad) or arrivals at a set rate (openLoad).
 */

/** One answered (or failed) request. */
export interface Outcome {
  /** HTTP status; 0 when no answer came (a connection error, or no answer within the timeout). */
  status: number;
  /** From sending the request to the end of its body. */
  ms: number;
  /** The problem type of an error answer (application/problem+json). */
  type?: string;
  /** The Retry-After header, when there is one. */
  retryAfter?: string;
}

export interface Load {
  /** Every outcome so far, in the order they ended. */
  readonly outcomes: Outcome[];
  /** A view of the outcomes that end after this call. */
  mark(): () => Outcome[];
  /** Stops starting requests, waits for those in flight, and returns every outcome. */
  stop(): Promise<Outcome[]>;
}

/** A request nobody answers within this long is recorded as status 0 rather than awaited forever. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Starts `clients` loops; each calls `request(client, n, signal)` for its n-th request (n from 0)
 * and records the outcome, until stop(). `signal` ends a request that hangs.
 */
export function startLoad(
  clients: number,
  request: (client: number, n: number, signal: AbortSignal) => Promise<Response>,
): Load {
  const outcomes: Outcome[] = [];
  let running = true;

  const loops = Array.from({ length: clients }, async (_, client) => {
    for (let n = 0; running; n++) outcomes.push(await attempt((s) => request(client, n, s)));
  });

  return {
    outcomes,
    mark() {
      const from = outcomes.length;
      return () => outcomes.slice(from);
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/**
 * An open loop: `perSecond` requests a second for `seconds`, each sent on time whether or not
 * earlier ones were answered, the way independent users arrive. Past the server's capacity the
 * backlog grows: that is overload. Resolves once every request has ended.
 */
export async function openLoad(
  perSecond: number,
  seconds: number,
  request: (signal: AbortSignal) => Promise<Response>,
): Promise<Outcome[]> {
  const pending: Promise<Outcome>[] = [];
  const start = performance.now();
  const total = Math.round(perSecond * seconds);
  while (pending.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * perSecond));
    while (pending.length < due) pending.push(attempt(request));
    await new Promise((resolve) => setTimeout(resolve, 5)); // the arrival clock's tick
  }
  return Promise.all(pending);
}

/** Sends one request and records how it ended. */
async function attempt(request: (signal: AbortSignal) => Promise<Response>): Promise<Outcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await request(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    const text = await res.text();
    const outcome: Outcome = { status: res.status, ms: ms() };
    const retryAfter = res.headers.get('retry-after');
    if (retryAfter !== null) outcome.retryAfter = retryAfter;
    if (res.status >= 400) {
      const type = problemType(text);
      if (type !== undefined) outcome.type = type;
    }
    return outcome;
  } catch {
    return { status: 0, ms: ms() };
  }
}

/** Outcomes counted by status (and problem type), for the figures a test prints. */
export function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.type ? `${o.status} ${o.type}` : String(o.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function problemType(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { type?: unknown };
    return typeof parsed.type === 'string' ? parsed.type : undefined;
  } catch {
    return undefined;
  }
}
