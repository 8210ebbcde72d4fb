/**
 * Writes a run's report: `report.json` (the raw RunReport, for re-analysis and the capacity model)
 * and `index.html` (a self-contained page with SVG charts drawn here, at write time). Drawing in
 * TypeScript rather than in the browser keeps the page script-free, so it renders the same
 * anywhere, and lets a unit test check the charts by opening the file in headless Chromium.
 * Bar charts compare configurations and are drawn only when there are two or more: one bar says
 * nothing the summary table's row does not.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { capacitySection } from './report/capacity-section';
import { renderPage } from './report/html-page';
import { resourceCharts, trafficCharts, type OverTime } from './report/time-series-charts';
import { barChart, lineChart, type LineSeries, type Marker } from './report/svg-charts';
import type { ConfigurationResult, RunReport, TimePoint } from './run-report';

/** Colour-blind-safe (Okabe–Ito), one per configuration, cycling past eight. */
const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
];
const SHARED_EVENT_COLOR = '#555';

export async function writeReport(
  report: RunReport,
  dir: string,
): Promise<{ jsonPath: string; htmlPath: string }> {
  await mkdir(dir, { recursive: true });
  const jsonPath = join(dir, 'report.json');
  const htmlPath = join(dir, 'index.html');
  await writeFile(jsonPath, JSON.stringify(report, null, 2) + '\n');
  await writeFile(htmlPath, renderReportHtml(report));
  return { jsonPath, htmlPath };
}

export function renderReportHtml(report: RunReport): string {
  const configs = report.configurations;
  const color = (i: number): string => PALETTE[i % PALETTE.length];
  const markers = eventMarkers(configs, color);
  const over: OverTime = (name, title, yLabel, metrics, extra = {}) =>
    lineChart({
      name,
      title,
      xLabel: 'seconds since the configuration started',
      yLabel,
      markers,
      ...extra,
      series: configs.flatMap((c, i) =>
        metrics.map((m) => series(c, color(i), m.label, m.pick, m.dashed)),
      ),
    });
  // A capacity run's configurations are its steps, compared by the capacity section's charts.
  const compares = configs.length > 1 && report.capacity === undefined;
  return renderPage({
    report,
    summaryCharts: compares ? summaryCharts(configs, color) : [],
    timeSeriesCharts: [...trafficCharts(over), ...resourceCharts(over)],
    capacity: report.capacity ? capacitySection(report.capacity, report.startedAt) : '',
  });
}

const ms = (v: number): string => `${v} ms`;

function summaryCharts(
  configs: readonly ConfigurationResult[],
  color: (i: number) => string,
): string[] {
  return [
    barChart({
      name: 'summary-throughput',
      title: 'Throughput per configuration',
      yLabel: 'requests / s',
      groups: ['req/s'],
      series: configs.map((c, i) => ({ label: c.name, color: color(i), values: [c.summary.rps] })),
    }),
    barChart({
      name: 'summary-latency',
      title: 'Latency percentiles per configuration',
      yLabel: 'latency (ms)',
      groups: ['p50', 'p95', 'p99'],
      series: configs.map((c, i) => ({
        label: c.name,
        color: color(i),
        values: [c.summary.p50, c.summary.p95, c.summary.p99],
      })),
      yFormat: ms,
    }),
  ];
}

function series(
  c: ConfigurationResult,
  color: string,
  metric: string,
  pick: (p: TimePoint) => number | null,
  dashed = false,
): LineSeries {
  // Non-finite numbers (NaN from a 0/0 ratio) are gaps too: a line to NaN would break the SVG path.
  const points = c.series.map((p) => {
    const y = pick(p);
    return { x: p.t, y: y !== null && Number.isFinite(y) ? y : null };
  });
  return { label: `${c.name} ${metric}`, color, dashed, points };
}

/**
 * In a compare run every configuration usually gets the same events at the same offsets; one line
 * labelled once reads better than N overlapping ones. Events only some configurations saw name them.
 */
function eventMarkers(
  configs: readonly ConfigurationResult[],
  color: (i: number) => string,
): Marker[] {
  const byMoment = new Map<string, { t: number; label: string; owners: number[] }>();
  configs.forEach((c, i) => {
    for (const e of c.events) {
      const key = JSON.stringify([e.t, e.label]);
      const entry = byMoment.get(key) ?? { t: e.t, label: e.label, owners: [] };
      entry.owners.push(i);
      byMoment.set(key, entry);
    }
  });
  return [...byMoment.values()]
    .sort((a, b) => a.t - b.t)
    .map(({ t, label, owners }) => {
      const shared = owners.length === configs.length;
      const names = owners.map((i) => configs[i].name).join(', ');
      return {
        x: t,
        label: shared || configs.length === 1 ? label : `${label} (${names})`,
        color: owners.length === 1 ? color(owners[0]) : SHARED_EVENT_COLOR,
      };
    });
}
