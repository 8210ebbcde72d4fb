/**
 * The services of docker/compose.yaml around docscale's processes: nginx in front of the API
 * (the same docscale.conf the local balancer runs), Prometheus with the alert rules, and the
 * OpenTelemetry Collector the processes push traces and metrics to.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { binds, compose, environment, services, withoutComments } from './compose';
import { DOCKER, prometheusConfig, ROOT } from './repo';

/** nginx directives in a file (comments removed), one string each. */
function directives(file: string): string[] {
  return withoutComments(readFileSync(join(DOCKER, file), 'utf8'))
    .split(';')
    .map((d) =>
      d
        .replace(/^[\s{}]+/, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
}

describe('docker/compose.yaml: nginx', () => {
  it('fronts the API with nginx running docker/nginx/docscale.conf, the file the local balancer uses', () => {
    const nginx = binds(services.nginx);
    const target = (file: string) =>
      nginx.find((m) => resolve(DOCKER, m.source) === join(DOCKER, file))?.target;
    expect(target('nginx/docscale.conf')).toBe('/etc/nginx/docscale.conf');
    // docscale.conf includes these two relative to the directory of nginx.conf.
    expect(target('nginx/compose/nginx.conf')).toBe('/etc/nginx/nginx.conf');
    expect(target('nginx/compose/docscale-upstream-servers.conf')).toBe(
      '/etc/nginx/docscale-upstream-servers.conf',
    );
    expect(target('nginx/compose/docscale-listen.conf')).toBe('/etc/nginx/docscale-listen.conf');
    expect(directives('nginx/compose/nginx.conf')).toContain('include docscale.conf');
    const balancer = readFileSync(join(ROOT, 'scripts/balancer.ts'), 'utf8');
    expect(balancer).toContain("'docker/nginx/docscale.conf'");
  });

  it('lists the api service as the upstream with the passive health checks the local balancer uses', () => {
    // Read rather than imported: scripts/balancer.ts's module scope looks for the repository root.
    const params = /UPSTREAM_SERVER_PARAMS = '([^']+)'/.exec(
      readFileSync(join(ROOT, 'scripts/balancer.ts'), 'utf8'),
    );
    expect(params).not.toBeNull();
    const servers = directives('nginx/compose/docscale-upstream-servers.conf').filter((d) =>
      d.startsWith('server '),
    );
    expect(servers).toEqual([`server api:3000 ${params![1]} resolve`]);
    expect(directives('nginx/compose/docscale-listen.conf')).toEqual(['listen 8080']);
    expect(services.nginx.networks).toEqual(['edge']);
    expect(environment(services.api).TRUST_PROXY).toBe(
      (compose.networks?.edge as { ipam: { config: { subnet: string }[] } }).ipam.config[0].subnet,
    );
  });

  it('gives nginx a resolver wherever an upstream server re-resolves its name', () => {
    // nginx refuses to start on `server ... resolve` without a `resolver` in effect.
    const files = [
      'nginx/compose/nginx.conf',
      'nginx/docscale.conf',
      'nginx/compose/docscale-upstream-servers.conf',
    ];
    const all = files.flatMap(directives);
    const resolving = all.filter((d) => /^server .* resolve\b/.test(d));
    expect(resolving.length).toBeGreaterThan(0);
    // Docker's embedded DNS: the only server that knows the compose services' names.
    expect(all.filter((d) => d.startsWith('resolver '))).toEqual([
      expect.stringMatching(/^resolver 127\.0\.0\.11\b/),
    ]);
  });
});

describe('docker/compose.yaml: telemetry', () => {
  it('loads the alert rules Prometheus is told to evaluate into its container', () => {
    const prom = binds(services.prometheus);
    expect(prom.find((m) => m.target === '/etc/prometheus/prometheus.yml')?.source).toBe(
      './prometheus/prometheus.yml',
    );
    const ruleFiles = prometheusConfig.rule_files ?? [];
    expect(ruleFiles.length).toBeGreaterThan(0);
    for (const file of ruleFiles) {
      const mount = prom.find((m) => file === m.target || file.startsWith(`${m.target}/`));
      expect([file, mount?.target]).toEqual([file, expect.any(String)]);
      expect(
        existsSync(join(resolve(DOCKER, mount!.source), file.slice(mount!.target.length))),
      ).toBe(true);
    }
  });

  it('gives the collector a pipeline for what the processes push, none ending only in debug', () => {
    // OTEL_EXPORTER_OTLP_ENDPOINT makes each process push its traces over OTLP; its metrics only
    // with TELEMETRY_METRICS_OTLP on (Prometheus scrapes /metrics). A pushed signal without a
    // pipeline is refused; a pipeline whose exporters are all `debug` discards what it receives.
    const pushes = { traces: true, metrics: false };
    for (const name of ['api', 'worker']) {
      const env = environment(services[name]);
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
      pushes.metrics ||= ['on', 'true'].includes(String(env.TELEMETRY_METRICS_OTLP));
    }
    const mount = binds(services['otel-collector']).find(
      (m) => m.target === '/etc/otelcol-contrib/config.yaml',
    );
    expect(mount?.source).toBe('./otel-collector/config.yaml');
    const config = parse(readFileSync(resolve(DOCKER, mount!.source), 'utf8')) as {
      receivers: Record<string, { protocols?: { http?: { endpoint: string } } }>;
      processors: Record<string, unknown>;
      exporters: Record<string, unknown>;
      service: {
        pipelines: Record<
          string,
          { receivers: string[]; processors?: string[]; exporters: string[] }
        >;
      };
    };
    expect(config.receivers.otlp.protocols?.http?.endpoint).toBe('0.0.0.0:4318');
    const pipelines = config.service.pipelines;
    const signals = Object.keys(pipelines).map((p) => p.split('/')[0]);
    const pushed = Object.entries(pushes).flatMap(([signal, on]) => (on ? [signal] : []));
    expect(signals).toEqual(expect.arrayContaining(pushed));
    for (const [name, p] of Object.entries(pipelines)) {
      const kept = p.exporters.filter((e) => e.split('/')[0] !== 'debug');
      expect([name, kept.length > 0]).toEqual([name, true]);
      expect([name, p.receivers]).toEqual([name, expect.arrayContaining(['otlp'])]);
      // memory_limiter first: it must refuse data before anything else buffers it.
      expect([name, p.processors?.[0]]).toEqual([name, 'memory_limiter']);
      for (const component of [...(p.processors ?? []), ...p.exporters]) {
        const defined = { ...config.processors, ...config.exporters };
        expect([name, component, component in defined]).toEqual([name, component, true]);
      }
    }
  });
});
