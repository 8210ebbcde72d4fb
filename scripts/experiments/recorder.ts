/**
 * Collects every answer the load generator gets (status and latency) and hands them out one
 * second at a time, so the time series shows what happened in each second (autocannon's own
 * summary only covers the whole run). Several load sources (a spike on top of a base load, a
 * burst of exports) record into the same recorder.
 */
import { median } from './rounds';

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
  /** Answers by status; transport errors as `0` and their code (`0 ECONNRESET`) when known. */
  readonly statuses: Record<string, number> = {};

  /** One answer: `status` 0 for a transport error, with its code if known. */
  record(status: number, latencyMs: number, errorCode?: string): void {
    const key = status === 0 && errorCode ? `0 ${errorCode}` : String(status);
    this.statuses[key] = (this.statuses[key] ?? 0) + 1;
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
      .filter(([s]) => s.startsWith('0') || Number(s) >= 400)
      .reduce((a, [, n]) => a + n, 0);
  }
}

/** A figure to one decimal, for reports (seconds, ms). */
export const tenths = (x: number): number => Math.round(x * 10) / 10;
/** A figure to two decimals, for reports (ms, ratios). */
export const hundredths = (x: number): number => Math.round(x * 100) / 100;

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

/**
 * The median over seconds of each second's p99, with latencies grouped by when they were sent
 * (`sentAt`, performance.now() ms; seconds counted from `started`). One stall shows in one second
 * and does not move it, where it decides a p99 over the whole stretch. A second with fewer than
 * `minPerSecond` samples (a stretch's ragged ends) is left out; 0 when none is left.
 */
export function medianSecondP99(
  samples: readonly { ms: number; sentAt: number }[],
  started: number,
  minPerSecond = 20,
): number {
  const bySecond = new Map<number, number[]>();
  for (const { ms, sentAt } of samples) {
    const second = Math.floor((sentAt - started) / 1000);
    const list = bySecond.get(second) ?? [];
    list.push(ms);
    bySecond.set(second, list);
  }
  return median(
    [...bySecond.values()]
      .filter((ms) => ms.length >= minPerSecond)
      .map((ms) => percentileOf(ms, 0.99)),
  );
}

/**
 * A transport error's code, whichever client raised it: fetch's (`cause.code`: `UND_ERR_SOCKET`),
 * node:http's on a resend (`code`: `ECONNREFUSED`), else its name (`TimeoutError`, `AbortError`).
 */
export function errorCode(err: unknown): string {
  const { code, cause, name } = (err ?? {}) as { code?: unknown; cause?: unknown; name?: unknown };
  const causeCode = (cause as { code?: unknown } | undefined)?.code;
  if (typeof causeCode === 'string') return causeCode;
  if (typeof code === 'string') return code;
  return typeof name === 'string' ? name : 'unknown';
}
