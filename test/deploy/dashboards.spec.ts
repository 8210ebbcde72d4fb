/**
 * The observability files of docker/: the Grafana dashboard and its provisioning, and
 * prometheus.yml. A panel whose query names a metric no docscale process exports would stay
 * silently empty; here it fails, against the series the code's instruments produce.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { exportedSeries, metricsIn } from './metric-names';
import { environment, services } from './compose';
import { prometheusConfig } from './prometheus-config';
import { DOCKER } from './repo';

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
  (f) =>
    JSON.parse(readFileSync(join(DOCKER, 'grafana/dashboards', f), 'utf8')) as {
      uid: string;
      panels: Panel[];
    },
);
const queryPanels = dashboards.flatMap((d) => d.panels.filter((p) => p.type !== 'row'));
const exprs = queryPanels.flatMap((p) =>
  (p.targets ?? []).flatMap((t) => (t.expr ? [t.expr] : [])),
);
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
    const unknown = exprs.flatMap((e) => metricsIn(e).filter((m) => !exported.has(m)));
    expect(unknown).toEqual([]);
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
