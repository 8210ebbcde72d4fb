/**
 * The capacity run's two charts, against the offered rate: achieved throughput beside the line
 * where all of it would be achieved, and p50/p99 under the SLO. The knee and the break are marked;
 * a missed attempt that was held again is a lone dot off the line (the repeat decides its rate).
 */
import type { AnalysedStep, CapacityProfile } from '../capacity';
import { lineChart, type LineChartSpec, type LineSeries, type Marker } from './svg-charts';

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

/** One line per step-wise figure, against the offered rate. */
interface StepLine {
  label: string;
  color: string;
  dashed?: boolean;
  y: (s: AnalysedStep) => number;
}

/**
 * A chart of the deciding steps' lines, the missed attempts of `missed.y` as dots, and the knee
 * and the break marked.
 */
function stepsChart(
  profile: CapacityProfile,
  lines: StepLine[],
  missed: { label: string; y: (s: AnalysedStep) => number },
  chart: Omit<LineChartSpec, 'series' | 'markers' | 'xLabel'>,
): string {
  const decided = deciding(profile.steps);
  const series: LineSeries[] = lines.map(({ y, ...line }) => ({
    ...line,
    points: decided.map((s) => ({ x: s.offeredRps, y: y(s) })),
  }));
  const dots = missedAttempts(profile.steps, missed.y);
  if (dots.length) series.push({ label: missed.label, color: MISSED, points: dots });
  return lineChart({
    ...chart,
    xLabel: 'offered requests / s',
    series,
    markers: kneeAndBreak(profile),
  });
}

export function throughputChart(profile: CapacityProfile): string {
  return stepsChart(
    profile,
    [
      { label: 'achieved', color: ACHIEVED, y: (s) => s.achievedRps },
      { label: 'offered (all achieved)', color: REFERENCE, dashed: true, y: (s) => s.offeredRps },
    ],
    { label: 'missed, held again', y: (s) => s.achievedRps },
    {
      name: 'capacity-throughput',
      title: 'Offered against achieved throughput',
      yLabel: 'achieved requests / s',
    },
  );
}

export function latencyChart(profile: CapacityProfile): string {
  return stepsChart(
    profile,
    [
      { label: 'p99', color: ACHIEVED, y: (s) => s.p99Ms },
      { label: 'p50', color: ACHIEVED, dashed: true, y: (s) => s.p50Ms },
    ],
    { label: 'p99 missed, held again', y: (s) => s.p99Ms },
    {
      name: 'capacity-latency',
      title: 'Latency against load',
      yLabel: 'latency (ms)',
      thresholds: [
        { y: profile.slo.sloP99Ms, label: `SLO p99 ≤ ${profile.slo.sloP99Ms} ms`, color: BREAK },
      ],
      yFormat: (v) => `${v} ms`,
    },
  );
}
