/** A call refused at once because its dependency's breaker is open: 503 + Retry-After. */
export class CircuitOpenError extends Error {
  constructor(
    readonly breaker: string,
    /** Seconds until the breaker lets a probe through. */
    readonly retryAfterSeconds: number,
  ) {
    super(`${breaker} is unavailable (circuit open); retry in ${retryAfterSeconds} s`);
    this.name = 'CircuitOpenError';
  }
}
