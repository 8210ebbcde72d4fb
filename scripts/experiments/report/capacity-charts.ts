/**
 * The capacity run's two charts, against the offered rate: achieved throughput beside the line
 * where all of it would be achieved, and p50/p99 under the SLO. The knee and the break are marked;
 * a missed attempt that was held again is a lone dot off the line (the repeat decides its rate).
 */
import type { AnalysedStep, CapacityProfile } from '../capacity';
import { lineChart, type LineSeries, type Marker } from './svg-charts';

const ACHIEVED = '#0072B2';
const MISSED = '#CC79A7';
const REFERENCE = '#999';
const KNEE = '#009E73';
const BREAK = '#D55E00';

export const whole = (v: number): string => Math.round(v).toLocaleString('en-US');
export const rps = (v: number): string => `${whole(v)} req/s`;

/** The steps that decide their rate (a missed attempt that was repeated does not). */
const deciding = (steps: readonly AnalysedStep[]) => steps.filter((s) => !s.repeated);

/** Missed attempts that were held again, as lone dots (nulls between them break the line). */
function missedAttempts(steps: readonly AnalysedStep[], pick: (s: AnalysedStep) => number) {
  return steps.flatMap((s) =>
    s.repeated
      ? [
          { x: s.offeredRps, y: pick(s) },
          { x: s.offeredRps, y: null },
        ]
      : [],
  );
}

function kneeAndBreak(profile: CapacityProfile): Marker[] {
  const { steps, kneeIndex, sloBrokenAt } = profile;
  return [
    ...(kneeIndex === null
      ? []
      : [
          {
            x: steps[kneeIndex].offeredRps,
            label: `knee ${rps(profile.maxSustainableRps)}`,
            color: KNEE,
          },
        ]),
    ...(sloBrokenAt === null
      ? []
      : [{ x: steps[sloBrokenAt].offeredRps, label: 'SLO broken', color: BREAK }]),
  ];
}

export function throughputChart(profile: CapacityProfile): string {
  const decided = deciding(profile.steps);
  const series: LineSeries[] = [
    {
      label: 'achieved',
      color: ACHIEVED,
      points: decided.map((s) => ({ x: s.offeredRps, y: s.achievedRps })),
    },
    {
      label: 'offered (all achieved)',
      color: REFERENCE,
      dashed: true,
      points: decided.map((s) => ({ x: s.offeredRps, y: s.offeredRps })),
    },
  ];
  const missed = missedAttempts(profile.steps, (s) => s.achievedRps);
  if (missed.length) series.push({ label: 'missed, held again', color: MISSED, points: missed });
  return lineChart({
    name: 'capacity-throughput',
    title: 'Offered against achieved throughput',
    xLabel: 'offered requests / s',
    yLabel: 'achieved requests / s',
    series,
    markers: kneeAndBreak(profile),
  });
}

export function latencyChart(profile: CapacityProfile): string {
  const decided = deciding(profile.steps);
  const series: LineSeries[] = [
    {
      label: 'p99',
      color: ACHIEVED,
      points: decided.map((s) => ({ x: s.offeredRps, y: s.p99Ms })),
    },
    {
      label: 'p50',
      color: ACHIEVED,
      dashed: true,
      points: decided.map((s) => ({ x: s.offeredRps, y: s.p50Ms })),
    },
  ];
  const missed = missedAttempts(profile.steps, (s) => s.p99Ms);
  if (missed.length)
    series.push({ label: 'p99 missed, held again', color: MISSED, points: missed });
  return lineChart({
    name: 'capacity-latency',
    title: 'Latency against load',
    xLabel: 'offered requests / s',
    yLabel: 'latency (ms)',
    series,
    markers: kneeAndBreak(profile),
    thresholds: [
      { y: profile.slo.sloP99Ms, label: `SLO p99 ≤ ${profile.slo.sloP99Ms} ms`, color: BREAK },
    ],
    yFormat: (v) => `${v} ms`,
  });
}
