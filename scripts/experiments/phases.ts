/**
 * A run with flips or faults, cut at each event into phases: before the first, between two, after
 * the last, each labelled by the event that starts it. The point of a flip is before vs after; one
 * figure for the whole run averages the two away.
 *
 * A sample at `t` covers the second before it; it belongs to the phase in force at the middle of
 * that second (t - 0.5), so a second split by an event goes to the side it mostly lies on.
 * Percentiles come from the answers' own latencies (per second, from the recorder), not from the
 * per-second percentiles, which cannot be combined. Hit ratios and the replica share are the
 * per-second ratios averaged weighted by requests (the series keeps ratios, not counts).
 */
import { percentile } from './recorder';
import type { Phase, RunEvent, TimePoint } from './run-report';

/** The label of the phase before the first event. */
export const FIRST_PHASE = 'start';

export function splitPhases(
  series: readonly TimePoint[],
  events: readonly RunEvent[],
  /** Latencies of the answers in each second, parallel to `series`. */
  latencies: readonly (readonly number[])[],
): Phase[] {
  const starts = [{ t: 0, label: FIRST_PHASE }, ...[...events].sort((a, b) => a.t - b.t)];
  return starts.map((start, i) => {
    const end = starts[i + 1]?.t ?? Infinity;
    const inPhase = series
      .map((p, j) => ({ p, j, seconds: p.t - (j ? series[j - 1].t : 0) }))
      .filter(({ p }) => p.t - 0.5 >= start.t && p.t - 0.5 < end);
    return figures(
      start.label,
      start.t,
      Math.min(end, series.at(-1)?.t ?? start.t),
      inPhase.map(({ p, seconds }) => ({ p, seconds })),
      inPhase.flatMap(({ j }) => latencies[j] ?? []),
    );
  });
}

function figures(
  label: string,
  from: number,
  to: number,
  points: readonly { p: TimePoint; seconds: number }[],
  latencies: number[],
): Phase {
  const seconds = points.reduce((a, x) => a + x.seconds, 0);
  const requests = Math.round(points.reduce((a, x) => a + x.p.rps * x.seconds, 0));
  const cpuSeconds = points.reduce((a, x) => a + x.p.apiCpuCores * x.seconds, 0);
  const sorted = latencies.sort((a, b) => a - b);
  /** Request-weighted mean of a per-second ratio over the seconds that know it. */
  const ratio = (pick: (p: TimePoint) => number | null | undefined): number | null => {
    const known = points.filter((x) => Number.isFinite(pick(x.p)));
    const weight = known.reduce((a, x) => a + x.p.rps * x.seconds, 0);
    if (!known.length || weight === 0) return null;
    return known.reduce((a, x) => a + pick(x.p)! * x.p.rps * x.seconds, 0) / weight;
  };
  return {
    label,
    from,
    to,
    requests,
    rps: seconds > 0 ? requests / seconds : 0,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    errors: points.reduce((a, x) => a + x.p.errors, 0),
    cpuMicrosPerRequest: requests ? (cpuSeconds * 1e6) / requests : null,
    l1HitRatio: ratio((p) => p.l1HitRatio),
    l2HitRatio: ratio((p) => p.l2HitRatio),
    replicaShare: ratio((p) => p.replicaShare),
  };
}

/**
 * The API processes' CPU time per answered request over a whole series, in µs; null without
 * requests. Each sample covers the time since the one before (a second, give or take).
 */
export function cpuMicrosPerRequest(series: readonly TimePoint[]): number | null {
  let cpuSeconds = 0;
  let requests = 0;
  series.forEach((p, i) => {
    const seconds = p.t - (i ? series[i - 1].t : 0);
    cpuSeconds += p.apiCpuCores * seconds;
    requests += p.rps * seconds;
  });
  return requests > 0 ? (cpuSeconds * 1e6) / requests : null;
}

const percent = (v: number | null): string => (v === null ? '-' : `${Math.round(v * 100)}%`);

/** The terminal's phase table: one line per phase of each configuration that has phases. */
export function formatPhases(
  configs: readonly { name: string; phases?: readonly Phase[] }[],
): string {
  const rows = configs.flatMap((c) =>
    (c.phases ?? []).map((p) => ({ name: `${c.name}: ${p.label} (${p.from} s)`, p })),
  );
  if (!rows.length) return '';
  const width = Math.max(14, ...rows.map((r) => r.name.length));
  const head = `${'phase (from)'.padEnd(width)}   req/s  p50 ms  p99 ms  errors  CPU µs/req  L1 hit  L2 hit  replica`;
  const lines = rows.map(({ name, p }) =>
    [
      name.padEnd(width),
      String(Math.round(p.rps)).padStart(6),
      p.p50.toFixed(1).padStart(6),
      p.p99.toFixed(1).padStart(6),
      String(p.errors).padStart(6),
      (p.cpuMicrosPerRequest === null ? '-' : p.cpuMicrosPerRequest.toFixed(0)).padStart(10),
      percent(p.l1HitRatio).padStart(6),
      percent(p.l2HitRatio).padStart(6),
      percent(p.replicaShare).padStart(7),
    ].join('  '),
  );
  return [head, ...lines].join('\n');
}
