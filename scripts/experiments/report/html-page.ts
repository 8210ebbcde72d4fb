/**
 * The HTML around the charts: header, capacity block, summary and phase tables. One
 * self-contained page: inline CSS, no scripts, no external assets, so it can be attached to an
 * issue or opened from a CI artifact without a server. All text is escaped; configuration names are user input.
 */
import { cpuMicrosPerRequest } from '../phases';
import type { ConfigurationResult, RunReport } from '../run-report';
import { expectationsSection } from './expectations-table';
import { escapeXml } from './svg-charts';

const CSS = `
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1500px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; } h3 { font-size: 1rem; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.hot { font-weight: 700; } td.verdict { white-space: nowrap; }
tr.knee { background: #e6f4ef; } tr.break { background: #fbe9e0; }
.charts { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; }
svg { display: block; width: 100%; height: auto; background: #fff; border: 1px solid #e4e4e4; }
.meta { color: #555; font-size: 0.9rem; }
.wide { overflow-x: auto; }
`;

export interface PageParts {
  report: RunReport;
  /** Comparison charts (throughput, latency percentiles); none for a single configuration. */
  summaryCharts: readonly string[];
  timeSeriesCharts: readonly string[];
  /** The capacity section (capacity-section.ts), empty for other scenarios. */
  capacity: string;
}

export function renderPage({
  report,
  summaryCharts,
  timeSeriesCharts,
  capacity,
}: PageParts): string {
  const title = `docscale experiment: ${report.scenario}`;
  const host = Object.entries(report.host)
    .map(([k, v]) => `${escapeXml(k)}: ${escapeXml(String(v))}`)
    .join(' · ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeXml(title)}</h1>
<p class="meta">Started ${escapeXml(report.startedAt)} · ${report.durationSeconds} s per configuration · ${host}</p>
${capacity}
<section id="summary"><h2>Summary</h2>${summaryTable(report.configurations)}
${summaryCharts.length ? `<div class="charts">${summaryCharts.join('\n')}</div>` : ''}</section>
${expectationsSection(report.configurations)}
${phasesSection(report.configurations)}
<section id="time-series"><h2>Over time</h2>
<p class="meta">Dashed vertical lines mark toggle flips and injected faults.</p>
<div class="charts">${timeSeriesCharts.join('\n')}</div></section>
<p class="meta">Raw data: report.json beside this page.</p>
</body></html>
`;
}

function summaryTable(configurations: readonly ConfigurationResult[]): string {
  const head = [
    'configuration',
    'toggles',
    'requests',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'errors',
    'CPU µs/req',
    'statuses',
    'extra',
  ]
    .map((h) => `<th>${h}</th>`)
    .join('');
  const rows = configurations.map((c) => {
    const s = c.summary;
    const num = (v: number | null, digits = 0): string =>
      `<td class="num">${v === null ? '-' : v.toFixed(digits)}</td>`;
    const pairs = (o: Record<string, string | number>): string =>
      escapeXml(
        Object.entries(o)
          .map(([k, v]) => `${k}=${v}`)
          .join(', '),
      );
    return (
      `<tr><th scope="row">${escapeXml(c.name)}</th><td>${pairs(c.toggles)}</td>` +
      num(s.requests) +
      num(s.rps, 1) +
      num(s.p50, 1) +
      num(s.p95, 1) +
      num(s.p99, 1) +
      num(s.errors) +
      num(cpuMicrosPerRequest(c.series)) +
      `<td>${pairs(s.statuses)}</td><td>${pairs(c.extra ?? {})}</td></tr>`
    );
  });
  return `<table class="summary"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Each configuration's phases (a run cut at its flips and faults); empty when none has any. */
function phasesSection(configurations: readonly ConfigurationResult[]): string {
  const rows = configurations.flatMap((c) =>
    (c.phases ?? []).map((p) => {
      const num = (v: number | null, digits = 0): string =>
        `<td class="num">${v === null ? '-' : v.toFixed(digits)}</td>`;
      const share = (v: number | null): string =>
        `<td class="num">${v === null ? '-' : `${Math.round(v * 100)}%`}</td>`;
      return (
        `<tr><th scope="row">${escapeXml(c.name)}</th><td>${escapeXml(p.label)}</td>` +
        num(p.from, 1) +
        num(p.to, 1) +
        num(p.requests) +
        num(p.rps, 1) +
        num(p.p50, 1) +
        num(p.p99, 1) +
        num(p.errors) +
        num(p.cpuMicrosPerRequest) +
        share(p.l1HitRatio) +
        share(p.l2HitRatio) +
        share(p.replicaShare) +
        '</tr>'
      );
    }),
  );
  if (!rows.length) return '';
  const head = [
    'configuration',
    'phase (started by)',
    'from s',
    'to s',
    'requests',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'CPU µs/req',
    'L1 hit',
    'L2 hit',
    'replica share',
  ]
    .map((h) => `<th>${h}</th>`)
    .join('');
  return (
    `<section id="phases"><h2>Phases</h2>` +
    `<p class="meta">The run cut at each flip or fault: before the first, between, after the last.</p>` +
    `<table class="phases"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`
  );
}
