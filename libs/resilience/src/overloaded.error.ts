/**
 * The 503 of a saturated process. Load shedding refuses with it, and so does an intake bulkhead
 * (the exports'): it outlives `npm run pattern:remove -- shedding`.
 */

/** Why load shedding refused a request. */
export type ShedReason = 'event-loop-delay' | 'in-flight';
/** Why a request was refused as overload: shed, or an intake bulkhead full (the exports'). */
export type OverloadReason = ShedReason | 'export-intake';

const MESSAGE: Record<OverloadReason, string> = {
  'event-loop-delay': 'The server is overloaded (its event loop is running late)',
  'in-flight': 'The server is at its limit of requests in progress',
  'export-intake': 'The server is taking in as many exports as it holds at once',
};

/** A request refused at once because the process is saturated: 503 + Retry-After. */
export class OverloadedError extends Error {
  constructor(
    readonly reason: OverloadReason,
    /** Seconds the client should wait before retrying. */
    readonly retryAfterSeconds: number,
  ) {
    super(
      `${MESSAGE[reason]}; retry in ${retryAfterSeconds} s (another instance may answer sooner)`,
    );
    this.name = 'OverloadedError';
  }
}
