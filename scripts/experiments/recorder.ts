/**
 * Collects every answer the load generator gets (status and latency) and hands them out one
 * second at a time, so the time series shows what happened in each second (autocannon's own
 * summary only covers the whole run). Several load sources (a spike on top of a base load, a
 * burst of exports) record into the same recorder.
 */
export interface SecondStats {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

export class LoadRecorder {
  private latencies: number[] = [];
  private errorsThisSecond = 0;
  private answersThisSecond = 0;
  readonly all: number[] = [];
  readonly statuses: Record<string, number> = {};

  /** One answer: `status` 0 for a transport error. */
  record(status: number, latencyMs: number): void {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    this.answersThisSecond++;
    if (status === 0) {
      this.errorsThisSecond++;
      return;
    }
    if (status >= 400) this.errorsThisSecond++;
    this.latencies.push(latencyMs);
    this.all.push(latencyMs);
  }

  /** What was recorded since the last call, over `seconds`, with its latencies (ascending). */
  drain(seconds: number): SecondStats & { latencies: number[] } {
    const sorted = this.latencies.sort((a, b) => a - b);
    const { errorsThisSecond: errors, answersThisSecond: answers } = this;
    this.latencies = [];
    this.errorsThisSecond = 0;
    this.answersThisSecond = 0;
    return {
      rps: answers / seconds,
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      errors,
      latencies: sorted,
    };
  }

  get requests(): number {
    return Object.values(this.statuses).reduce((a, b) => a + b, 0);
  }

  get errors(): number {
    return Object.entries(this.statuses)
      .filter(([s]) => s === '0' || Number(s) >= 400)
      .reduce((a, [, n]) => a + n, 0);
  }
}

/** Nearest-rank percentile of an ascending array, in ms; 0 when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** Nearest-rank percentile of values in any order, in ms; 0 when empty. */
export function percentileOf(values: readonly number[], q: number): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    q,
  );
}
