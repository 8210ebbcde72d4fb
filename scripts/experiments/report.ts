/**
 * Writes a run's report: `report.json` (the raw RunReport, for re-analysis and the capacity model)
 * and `index.html` (a self-contained page with SVG charts drawn here, at write time). Drawing in
 * TypeScript rather than in the browser keeps the page script-free, so it renders the same
 * anywhere, and lets a unit test check the charts by opening the file in headless Chromium.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderPage } from './report/html-page';
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
  const ms = (v: number): string => `${v} ms`;
  const percent = (v: number): string => `${Math.round(v * 100)}%`;
  const over = (
    name: string,
    title: string,
    yLabel: string,
    metrics: ReadonlyArray<{
      label: string;
      pick: (p: TimePoint) => number | null;
      dashed?: boolean;
    }>,
    extra: { yMax?: number; yFormat?: (v: number) => string } = {},
  ): string =>
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

  const summaryCharts = [
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
  const timeSeriesCharts = [
    over(
      'latency-over-time',
      'Latency over time (p99 solid, p50 dashed)',
      'latency (ms)',
      [
        { label: 'p99', pick: (p) => p.p99 },
        { label: 'p50', pick: (p) => p.p50, dashed: true },
      ],
      { yFormat: ms },
    ),
    over('throughput-over-time', 'Throughput over time', 'requests / s', [
      { label: 'req/s', pick: (p) => p.rps },
    ]),
    over(
      'cache-hit-ratio',
      'Cache hit ratio over time (L1 solid, L2 dashed)',
      'share of reads',
      [
        { label: 'L1', pick: (p) => p.l1HitRatio },
        { label: 'L2', pick: (p) => p.l2HitRatio, dashed: true },
      ],
      { yMax: 1, yFormat: percent },
    ),
    over(
      'replica-share',
      'Share of database reads served by replicas',
      'share of DB reads',
      [{ label: 'replicas', pick: (p) => p.replicaShare }],
      { yMax: 1, yFormat: percent },
    ),
    over('queue-depth', 'Queue depth over time', 'jobs waiting', [
      { label: 'waiting', pick: (p) => p.queueDepth },
    ]),
  ];
  return renderPage({ report, summaryCharts, timeSeriesCharts });
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
