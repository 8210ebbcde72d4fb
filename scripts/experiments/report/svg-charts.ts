/**
 * Chart primitives that render to inline SVG strings at write time. A report must open from a
 * file, offline, years later: no chart library, no script, no fonts fetched. Every text node goes
 * through `escapeXml` because labels come from configuration names and event labels, which are
 * free text typed on a command line. Data marks carry `class="data"` so a test can tell them from
 * axes and gridlines.
 */
import { escapeXml, plotFrame, xScale, yScale, type Frame } from './svg-axes';

export { escapeXml };

export interface LineSeries {
  label: string;
  color: string;
  dashed?: boolean;
  /** `y: null` is a gap (no sample or unknown metric): the line breaks there rather than dipping to 0. */
  points: ReadonlyArray<{ x: number; y: number | null }>;
}

/** A moment in the run (a toggle flip, a fault) or a point on the x axis (the knee), drawn as a labelled vertical line. */
export interface Marker {
  x: number;
  label: string;
  color: string;
}

/** A level on the y axis (an SLO), drawn as a labelled horizontal line. */
export interface Threshold {
  y: number;
  label: string;
  color: string;
}

export interface LineChartSpec {
  name: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  markers: readonly Marker[];
  thresholds?: readonly Threshold[];
  /** Fixed top of the y axis (e.g. 1 for ratios); otherwise a round number above the data. */
  yMax?: number;
  yFormat?: (v: number) => string;
}

export interface BarChartSpec {
  name: string;
  title: string;
  yLabel: string;
  /** One cluster of bars per group (e.g. p50, p95, p99), one bar per series within it. */
  groups: readonly string[];
  series: ReadonlyArray<{ label: string; color: string; values: readonly number[] }>;
  yFormat?: (v: number) => string;
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));

export function lineChart(spec: LineChartSpec): string {
  const xs = spec.series
    .flatMap((s) => s.points.map((p) => p.x))
    .concat(spec.markers.map((m) => m.x));
  const ys = spec.series.flatMap((s) => s.points.flatMap((p) => (p.y === null ? [] : [p.y])));
  const frame = plotFrame(spec.name, spec.title, spec.series, ys.length === 0);
  const x = xScale(frame, Math.min(0, ...xs), Math.max(1, ...xs));
  const thresholds = spec.thresholds ?? [];
  const yTop = spec.yMax ?? Math.max(0, ...ys, ...thresholds.map((t) => t.y));
  const y = yScale(frame, yTop, spec.yFormat ?? fmt);
  const lines = spec.series.map((s) => seriesMarks(s, x.at, y.at)).join('');
  const markers = spec.markers.map((m, i) => markerMarks(frame, m, x.at(m.x), i)).join('');
  const levels = thresholds.map((t) => thresholdMarks(frame, t, y.at(t.y))).join('');
  return frame.wrap(
    x.axis + y.axis + lines + levels + markers + frame.axisLabels(spec.xLabel, spec.yLabel),
  );
}

function thresholdMarks(frame: Frame, t: Threshold, py: number): string {
  const { left, right } = frame.plot;
  return (
    `<g class="threshold"><line x1="${left}" x2="${right}" y1="${py}" y2="${py}" stroke="${t.color}"` +
    ` stroke-width="1.5" stroke-dasharray="8 4"/>` +
    `<text x="${right - 4}" y="${py - 4}" text-anchor="end" font-size="11" fill="#222">` +
    `${escapeXml(t.label)}</text></g>`
  );
}

/** One path per unbroken run of samples; a lone sample between gaps becomes a dot, else it would vanish. */
function seriesMarks(s: LineSeries, px: (v: number) => number, py: (v: number) => number): string {
  const runs: Array<Array<[number, number]>> = [[]];
  for (const p of s.points) {
    if (p.y === null) runs.push([]);
    else runs[runs.length - 1].push([px(p.x), py(p.y)]);
  }
  const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
  return runs
    .filter((run) => run.length > 0)
    .map((run) =>
      run.length === 1
        ? `<circle class="data" cx="${run[0][0]}" cy="${run[0][1]}" r="2.5" fill="${s.color}"/>`
        : `<path class="data" d="${run.map(([a, b], i) => `${i ? 'L' : 'M'}${a} ${b}`).join('')}"` +
          ` fill="none" stroke="${s.color}" stroke-width="2"${dash}><title>${escapeXml(s.label)}</title></path>`,
    )
    .join('');
}

/**
 * Labels are staggered over three rows so events a second apart stay readable; a label that would
 * run past the plot's right edge (an event at the end, the break of a capacity run) sits left of its line.
 */
function markerMarks(frame: Frame, m: Marker, px: number, i: number): string {
  const { top, bottom, right } = frame.plot;
  const labelY = top + 12 + (i % 3) * 13;
  const fits = px + 4 + m.label.length * LABEL_CHAR_PX <= right;
  const anchor = fits ? `x="${px + 4}"` : `x="${px - 4}" text-anchor="end"`;
  return (
    `<g class="event"><line x1="${px}" x2="${px}" y1="${top}" y2="${bottom}" stroke="${m.color}"` +
    ` stroke-width="1.5" stroke-dasharray="3 3"/>` +
    `<text ${anchor} y="${labelY}" font-size="11" fill="#222">${escapeXml(m.label)}</text></g>`
  );
}

/** A rough glyph width at 11px, enough to tell whether a label fits. */
const LABEL_CHAR_PX = 6.5;

export function barChart(spec: BarChartSpec): string {
  const values = spec.series.flatMap((s) => s.values);
  const frame = plotFrame(spec.name, spec.title, spec.series, values.length === 0);
  const y = yScale(frame, Math.max(0, ...values), spec.yFormat ?? fmt);
  const { left, right, bottom } = frame.plot;
  const groupWidth = (right - left) / Math.max(1, spec.groups.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, spec.series.length);
  const bars = spec.groups.map((group, g) => {
    const x0 = left + g * groupWidth + groupWidth * 0.1;
    const rects = spec.series.map((s, i) => {
      const v = s.values[g] ?? 0;
      const top = y.at(v);
      return (
        `<rect class="data" x="${x0 + i * barWidth}" y="${top}" width="${barWidth - 2}"` +
        ` height="${Math.max(0, bottom - top)}" fill="${s.color}">` +
        `<title>${escapeXml(`${s.label} ${group}: ${fmt(v)}`)}</title></rect>`
      );
    });
    const label =
      `<text x="${x0 + groupWidth * 0.4}" y="${bottom + 16}" text-anchor="middle"` +
      ` font-size="12">${escapeXml(group)}</text>`;
    return rects.join('') + label;
  });
  return frame.wrap(y.axis + bars.join('') + frame.axisLabels('', spec.yLabel));
}
