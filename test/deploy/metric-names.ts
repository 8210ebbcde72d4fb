/**
 * The Prometheus series docscale's processes can expose, derived from the instruments the code
 * creates (`meter.createCounter('docscale.jobs')` → `docscale_jobs_total`), so an alert rule or a
 * dashboard panel that names a metric nobody exports fails a test instead of staying silently
 * empty. The naming follows @opentelemetry/exporter-prometheus as the e2e telemetry suites see it:
 * dots become underscores, counters gain `_total`, histograms `_bucket`/`_sum`/`_count`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './repo';

const INSTRUMENT =
  /\.create(Counter|UpDownCounter|Histogram|ObservableGauge|ObservableCounter|ObservableUpDownCounter|Gauge)\(\s*'([a-z0-9_.]+)'/g;
// libs/telemetry's hot-path counter, an ObservableCounter underneath: `PreAggregatedCounter.of(meter, 'name'`.
const PRE_AGGREGATED = /PreAggregatedCounter\.of\([^,]+,\s*'([a-z0-9_.]+)'/g;
// The database lib's gauge sets (database-gauges.ts): `registerGauges({ key: { name: 'docscale.…'`,
// each an ObservableGauge; read only in files that call it.
const REGISTERED_GAUGE = /\bname:\s*'([a-z][a-z0-9_]*\.[a-z0-9_.]+)'/g; // any service name (template:init)
const registeredGauges = (text: string) =>
  text.includes('registerGauges(') ? [...text.matchAll(REGISTERED_GAUGE)].map((m) => m[1]) : [];

// From the HTTP instrumentation (semantic conventions), not created by docscale's code.
const INSTRUMENTATION: [string, string][] = [
  ['Histogram', 'http.server.request.duration'],
  ['ObservableGauge', 'http.server.active_requests'],
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function seriesOf(kind: string, name: string): string[] {
  const base = name.replace(/\./g, '_');
  if (kind === 'Histogram') return [`${base}_bucket`, `${base}_sum`, `${base}_count`];
  if (kind === 'Counter' || kind === 'ObservableCounter') return [`${base}_total`];
  return [base];
}

let cached: ReadonlySet<string> | undefined;

/** The files under `dir` (src or libs) that create an instrument: `path: name` per instrument. */
export function instrumentsUnder(dir: 'src' | 'libs'): string[] {
  return sources(join(ROOT, dir)).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const names = [...text.matchAll(INSTRUMENT)].map((m) => m[2]);
    names.push(...[...text.matchAll(PRE_AGGREGATED)].map((m) => m[1]));
    names.push(...registeredGauges(text));
    return names.map((name) => `${file.slice(ROOT.length + 1)}: ${name}`);
  });
}

/** Every series name a docscale API or worker process may expose on /metrics (read once). */
export function exportedSeries(): ReadonlySet<string> {
  return (cached ??= readExportedSeries());
}

function readExportedSeries(): ReadonlySet<string> {
  const instruments = [...INSTRUMENTATION];
  for (const file of [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'libs'))]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(INSTRUMENT)) instruments.push([m[1], m[2]]);
    for (const m of text.matchAll(PRE_AGGREGATED)) instruments.push(['ObservableCounter', m[1]]);
    for (const name of registeredGauges(text)) instruments.push(['ObservableGauge', name]);
  }
  return new Set(instruments.flatMap(([kind, name]) => seriesOf(kind, name)));
}

/** The metric names a PromQL expression refers to: identifiers not followed by `(` or inside `{}`. */
export function metricsIn(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '{}').replace(/"[^"]*"/g, '""');
  const names = withoutLabels.match(/\b(docscale|http_server)_[a-z0-9_]+\b/g) ?? [];
  return [...new Set(names)];
}
