/**
 * The telemetry services of docker/compose.yaml: Prometheus with the alert rules, and the
 * OpenTelemetry Collector the processes push traces and metrics to. Goes with the telemetry
 * pattern (scripts/patterns/manifests/telemetry.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { binds, environment, PROCESS_SERVICES, services } from './compose';
import { prometheusConfig } from './prometheus-config';
import { DOCKER } from './repo';

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
    for (const name of PROCESS_SERVICES) {
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
