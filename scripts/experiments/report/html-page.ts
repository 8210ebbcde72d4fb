/**
 * The HTML around the charts: header, summary table, capacity block. One self-contained page:
 * inline CSS, no scripts, no external assets, so it can be attached to an issue or opened from a
 * CI artifact without a server. All text is escaped; configuration names are user input.
 */
import type { ConfigurationResult, RunReport } from '../run-report';
import { expectationsSection } from './expectations-table';
import { escapeXml } from './svg-charts';

const CSS = `
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1500px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
svg { max-width: 100%; height: auto; background: #fff; border: 1px solid #e4e4e4; }
.meta { color: #555; font-size: 0.9rem; }
`;

export interface PageParts {
  report: RunReport;
  /** Side-by-side comparison charts (throughput, latency percentiles). */
  summaryCharts: readonly string[];
  timeSeriesCharts: readonly string[];
}

export function renderPage({ report, summaryCharts, timeSeriesCharts }: PageParts): string {
  const title = `docscale experiment: ${report.scenario}`;
  const host = Object.entries(report.host)
    .map(([k, v]) => `${escapeXml(k)}: ${escapeXml(String(v))}`)
    .join(' · ');
  const capacity =
    report.capacity === undefined
      ? ''
      : `<section id="capacity"><h2>Capacity</h2>${valueHtml(report.capacity, 0)}</section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeXml(title)}</h1>
<p class="meta">Started ${escapeXml(report.startedAt)} · ${report.durationSeconds} s per configuration · ${host}</p>
<section id="summary"><h2>Summary</h2>${summaryTable(report.configurations)}
<div class="charts">${summaryCharts.join('\n')}</div></section>
${expectationsSection(report.configurations)}
${phasesSection(report.configurations)}
<section id="time-series"><h2>Over time</h2>
<p class="meta">Dashed vertical lines mark toggle flips and injected faults.</p>
<div class="charts">${timeSeriesCharts.join('\n')}</div></section>
${capacity}
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
    'statuses',
    'extra',
  ]
    .map((h) => `<th>${h}</th>`)
    .join('');
  const rows = configurations.map((c) => {
    const s = c.summary;
    const num = (v: number, digits = 0): string => `<td class="num">${v.toFixed(digits)}</td>`;
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

/**
 * Renders any JSON value as nested tables. The capacity model's shape is owned by another module
 * and will change; a generic rendering means the report never needs to follow it.
 * Arrays of objects become one table with a column per key (e.g. one row per load step).
 */
function valueHtml(value: unknown, depth: number): string {
  if (value === null || value === undefined) return '<em>none</em>';
  if (typeof value !== 'object') return escapeXml(String(value));
  // Beyond a few levels a table of tables is unreadable; show the rest as JSON text.
  if (depth > 3) return `<code>${escapeXml(JSON.stringify(value))}</code>`;
  if (Array.isArray(value)) {
    const rows: unknown[] = value;
    if (rows.length > 0 && rows.every(isRecord)) {
      const keys = [...new Set(rows.flatMap((r) => Object.keys(r as object)))];
      const head = keys.map((k) => `<th>${escapeXml(k)}</th>`).join('');
      const body = rows
        .map((r) => {
          const rec = r as Record<string, unknown>;
          return `<tr>${keys.map((k) => `<td>${valueHtml(rec[k], depth + 1)}</td>`).join('')}</tr>`;
        })
        .join('');
      return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
    }
    return rows.map((v) => valueHtml(v, depth + 1)).join(', ');
  }
  const body = Object.entries(value)
    .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${valueHtml(v, depth + 1)}</td></tr>`)
    .join('');
  return `<table>${body}</table>`;
}

const isRecord = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
