/**
 * The observability files of docker/: the Grafana dashboard and its provisioning, and
 * prometheus.yml. A panel whose query names a metric no docscale process exports would stay
 * silently empty; here it fails, against the series the code's instruments produce.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { exportedSeries, metricsIn } from './metric-names';
import { environment, services } from './compose';
import { prometheusConfig } from './prometheus-config';
import { DOCKER, toolBin } from './repo';

interface Target {
  refId: string;
  expr?: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  fieldConfig?: { defaults: { links?: { title: string; url: string }[] } };
}
interface Variable {
  name: string;
  type: string;
  datasource?: { uid: string };
  query: { query: string } | string;
  includeAll?: boolean;
  allValue?: string;
}
interface Annotation {
  name: string;
  enable: boolean;
  builtIn?: number;
  datasource: { type: string; uid: string };
  expr?: string;
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations: { list: Annotation[] };
}
interface Datasource {
  uid: string;
  type: string;
  url: string;
}

const dashboardFiles = readdirSync(join(DOCKER, 'grafana/dashboards')).filter((f) =>
  f.endsWith('.json'),
);
const dashboards = dashboardFiles.map(
  (f) => JSON.parse(readFileSync(join(DOCKER, 'grafana/dashboards', f), 'utf8')) as Dashboard,
);
const queryPanels = dashboards.flatMap((d) => d.panels.filter((p) => p.type !== 'row'));
const exprs = queryPanels.flatMap((p) =>
  (p.targets ?? []).flatMap((t) => (t.expr ? [t.expr] : [])),
);
const variableQuery = (v: Variable) => (typeof v.query === 'string' ? v.query : v.query.query);
const variables = dashboards.flatMap((d) => d.templating.list);
const annotations = dashboards.flatMap((d) => d.annotations.list);
const promAnnotations = annotations.filter((a) => a.datasource.type === 'prometheus');
/** Every PromQL expression of the dashboards: panels, variables and annotations. */
const allExprs = [
  ...exprs,
  ...variables.map(variableQuery),
  ...promAnnotations.flatMap((a) => (a.expr ? [a.expr] : [])),
];
/** Each metric selector of an expression with its label matchers (`{}` when it has none). */
const selectors = (expr: string) =>
  [...expr.matchAll(/\b((?:docscale|http_server)_[a-z0-9_]+)(\{[^}]*\})?(?!\s*\()/g)].map((m) => ({
    metric: m[1],
    matchers: m[2] ?? '{}',
  }));
const datasources = (
  parse(
    readFileSync(join(DOCKER, 'grafana/provisioning/datasources/datasources.yaml'), 'utf8'),
  ) as {
    datasources: Datasource[];
  }
).datasources;

describe('docker/grafana', () => {
  it('provisions the Prometheus and Jaeger datasources and a provider for the dashboards directory', () => {
    expect(datasources.map((d) => [d.type, d.url])).toEqual(
      expect.arrayContaining([
        ['prometheus', 'http://prometheus:9090'],
        ['jaeger', 'http://jaeger:16686'],
      ]),
    );
    const providers = parse(
      readFileSync(join(DOCKER, 'grafana/provisioning/dashboards/dashboards.yaml'), 'utf8'),
    ) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(providers.providers).toEqual([
      expect.objectContaining({
        type: 'file',
        options: expect.objectContaining({ path: '/var/lib/grafana/dashboards' }),
      }),
    ]);
    expect(dashboardFiles).toContain('docscale.json');
  });

  it('gives every panel a provisioned datasource and at least one query', () => {
    const uids = new Set(datasources.map((d) => d.uid));
    expect(queryPanels.length).toBeGreaterThan(0);
    for (const p of queryPanels) {
      expect([p.title, uids.has(p.datasource?.uid ?? '')]).toEqual([p.title, true]);
      expect([p.title, (p.targets?.length ?? 0) > 0]).toEqual([p.title, true]);
      for (const t of p.targets ?? [])
        expect([p.title, uids.has(t.datasource?.uid ?? p.datasource!.uid)]).toEqual([
          p.title,
          true,
        ]);
    }
    const ids = queryPanels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('queries only metrics the code exports', () => {
    const exported = exportedSeries();
    const unknown = allExprs.flatMap((e) => metricsIn(e).filter((m) => !exported.has(m)));
    expect(unknown).toEqual([]);
  });

  it('has queries Prometheus parses, the variables substituted as Grafana does', () => {
    // Each expression as a recording rule: `promtool check rules` parses it as Prometheus would.
    const asPromQL = (e: string) =>
      e
        .replace(/\$__rate_interval/g, '1m')
        .replace(/\$(instance|route)\b/g, '.*')
        .replace(/^label_values\((.+), \w+\)$/, '$1');
    const rules = allExprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: asPromQL(e) }));
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-queries-'));
    try {
      const file = join(dir, 'queries.yaml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const out = execFileSync(toolBin('promtool'), ['check', 'rules', file], { encoding: 'utf8' });
      expect(out).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('filters every panel by the instance variable, and the HTTP panels by the route variable', () => {
    expect(variables.map((v) => [v.name, v.type, v.includeAll, v.allValue])).toEqual([
      ['instance', 'query', true, '.*'],
      ['route', 'query', true, '.*'],
    ]);
    for (const v of variables) expect(v.datasource?.uid).toBe('prometheus');
    const unfiltered = exprs.flatMap((e) =>
      selectors(e)
        .filter(
          ({ metric, matchers }) =>
            !matchers.includes('instance=~"$instance"') ||
            (metric.startsWith('http_server_request_duration') &&
              !matchers.includes('http_route=~"$route"')),
        )
        .map(({ metric }) => metric),
    );
    expect(unfiltered).toEqual([]);
  });

  it('marks toggle flips, breaker changes and firing alerts on every panel', () => {
    const enabled = promAnnotations.filter((a) => a.enable).map((a) => a.expr ?? '');
    const changesOf = (metric: string) =>
      enabled.filter((e) => e.includes(`changes(${metric}{instance=~"$instance"}`));
    // One annotation for each direction of a flip: the gauge after the change says which.
    expect(changesOf('docscale_toggle_state')).toHaveLength(2);
    expect(changesOf('docscale_breaker_state')).toHaveLength(1); // pattern:breakers
    expect(enabled).toContain('ALERTS{alertstate="firing"}');
  });

  it("links the latency panels to their route's traces in the Jaeger that compose publishes", () => {
    const latency = queryPanels.filter((p) =>
      (p.targets ?? []).some((t) => t.expr?.includes('http_server_request_duration_bucket')),
    );
    expect(latency.length).toBeGreaterThan(0);
    const published = (services.jaeger.ports ?? []).map(String);
    const service = environment(services.api).OTEL_SERVICE_NAME;
    for (const p of latency) {
      const urls = (p.fieldConfig?.defaults.links ?? []).map((l) => new URL(l.url));
      expect([p.title, urls.length > 0]).toEqual([p.title, true]);
      for (const url of urls) {
        expect(published).toContain(`127.0.0.1:${url.port}:16686`);
        expect(url.pathname).toBe('/search');
        expect(url.searchParams.get('service')).toBe(service);
        // The route template the span carries as http.route (libs/telemetry http-telemetry.ts).
        expect(JSON.parse(url.searchParams.get('tags') ?? '{}')).toEqual({
          'http.route': '${__field.labels.http_route}',
        });
      }
    }
  });

  it("shows every pattern's metrics and the traces", () => {
    const shown = new Set(exprs.flatMap(metricsIn));
    for (const metric of [
      'http_server_request_duration_count',
      'http_server_request_duration_bucket',
      'docscale_cache_answers_total', // pattern:cache
      // pattern:read-replicas:begin
      'docscale_db_reads_total',
      'docscale_db_replica_lag_ms',
      // pattern:read-replicas:end
      // pattern:queue:begin
      'docscale_queue_depth',
      'docscale_queue_jobs',
      'docscale_job_wait_bucket',
      'docscale_job_duration_bucket',
      'docscale_jobs_total',
      'docscale_outbox_pending',
      'docscale_outbox_lag',
      // pattern:queue:end
      // pattern:breakers:begin
      'docscale_breaker_state',
      // pattern:breakers:end
      // pattern:rate-limit:begin
      'docscale_rate_limit_decisions_total',
      // pattern:rate-limit:end
      // pattern:shedding:begin
      'docscale_shed_requests_total',
      'docscale_http_in_flight',
      'docscale_event_loop_delay_ms',
      // pattern:shedding:end
      'docscale_toggle_state',
      'docscale_db_pool_connections',
      'docscale_db_pool_waiting',
      'docscale_db_pool_max',
    ]) {
      expect([metric, shown.has(metric)]).toEqual([metric, true]);
    }
    expect(queryPanels.some((p) => p.datasource?.type === 'jaeger')).toBe(true);
  });
});

describe('docker/prometheus/prometheus.yml', () => {
  const config = prometheusConfig;

  function targetsOf(job: {
    dns_sd_configs?: { names: string[]; port: number }[];
    static_configs?: { targets: string[] }[];
  }) {
    return [
      ...(job.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`)),
      ...(job.static_configs ?? []).flatMap((s) => s.targets),
    ];
  }

  it('scrapes /metrics of every api replica on OPERATOR_PORT and every worker on WORKER_HEALTH_PORT', () => {
    const all = config.scrape_configs.flatMap((j) =>
      targetsOf(j).map((t) => [t, j.metrics_path ?? '/metrics']),
    );
    expect(all).toEqual(
      expect.arrayContaining([
        [`api:${environment(services.api).OPERATOR_PORT}`, '/metrics'],
        ['worker:3100', '/metrics'], // pattern:queue
      ]),
    );
    const names = config.scrape_configs.map((j) => j.job_name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('loads the alert rules', () => {
    expect(config.rule_files).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/rules\/.+\.ya?ml$/)]),
    );
  });
});
