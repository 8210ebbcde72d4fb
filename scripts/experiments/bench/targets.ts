/**
 * SPEC.md's throughput targets ("Targets"), checked against one run's samples. Each ratio is
 * taken round by round (both configurations measured minutes apart at most) and its median
 * reported, because the host's speed drifts within a session: a ratio between two runs means little.
 */
import { median } from '../rounds';
import type { Sample } from './comparison';

export interface Target {
  /** What is compared, as SPEC.md words it. */
  label: string;
  /** numerator / denominator: variant names. */
  numerator: string;
  denominator: string;
  /** The ratio must be at least this. A cost of at most 10% is a ratio of at least 0.90. */
  atLeast: number;
  /**
   * What is compared: req/s (numerator / denominator), or server CPU per request, as how many
   * times less the numerator spends (denominator µs / numerator µs).
   * @defaultValue 'rps'
   */
  by?: 'rps' | 'cpu';
}

/** One round's ratio of `top` to `bottom`, by the target's measure. */
const ratioOf = (t: Target, top: Sample, bottom: Sample) =>
  t.by === 'cpu' ? bottom.cpuUsPerReq / top.cpuUsPerReq : top.rps / bottom.rps;

/** The median over rounds of the round-by-round ratios; undefined if either side was not run. */
export function roundRatio(samples: Map<string, Sample[]>, t: Target): number | undefined {
  const top = samples.get(t.numerator) ?? [];
  const bottom = samples.get(t.denominator) ?? [];
  const n = Math.min(top.length, bottom.length);
  if (n === 0) return undefined;
  return median(Array.from({ length: n }, (_, i) => ratioOf(t, top[i], bottom[i])));
}

export function printTargets(targets: Target[], samples: Map<string, Sample[]>): number {
  const width = Math.max(...targets.map((t) => t.label.length));
  console.log(
    `\nTargets (SPEC.md's unless labelled), as ratios within this run only (median of round-by-round ratios; ` +
      `do not compare them with another run's):`,
  );
  console.log(`${'target'.padEnd(width)}   ratio     bar  result`);
  let failed = 0;
  for (const t of targets) {
    const ratio = roundRatio(samples, t);
    const pass = ratio !== undefined && ratio >= t.atLeast;
    if (ratio !== undefined && !pass) failed++;
    console.log(
      `${t.label.padEnd(width)}  ${(ratio?.toFixed(2) ?? '-').padStart(6)}  ` +
        `≥ ${t.atLeast.toFixed(2)}  ${ratio === undefined ? 'not run' : pass ? 'pass' : 'FAIL'}`,
    );
  }
  return failed;
}
