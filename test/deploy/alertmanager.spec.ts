/**
 * Where alerts go in docker/compose.yaml: Prometheus sends what fires to Alertmanager, whose one
 * receiver is alert-log (docker/alertmanager/alert-log.mjs), which logs each alert. Checked
 * without a container engine: the wiring between the three services, Alertmanager's config with
 * amtool (Debian's prometheus-alertmanager), and alert-log run here on a sample notification.
 * Goes with the telemetry pattern (scripts/patterns/manifests/telemetry.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { binds, environment, services } from './compose';
import { prometheusConfig } from './prometheus-config';
import { DOCKER, toolBin } from './repo';

interface AlertmanagerConfig {
  route: { receiver: string; routes?: AlertmanagerConfig['route'][] };
  receivers: { name: string; webhook_configs?: { url: string; send_resolved?: boolean }[] }[];
}

const CONFIG_TARGET = '/etc/alertmanager/alertmanager.yml';
const am = services.alertmanager;
const configMount = () => binds(am).find((m) => m.target === CONFIG_TARGET);
const config = () =>
  parse(readFileSync(resolve(DOCKER, configMount()!.source), 'utf8')) as AlertmanagerConfig;
const flag = (name: string) =>
  (am.command as string[]).find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

/** Every receiver a route of the tree names, the root's included. */
function routedReceivers(route: AlertmanagerConfig['route']): string[] {
  return [route.receiver, ...(route.routes ?? []).flatMap(routedReceivers)];
}

describe('docker/compose.yaml: alerting', () => {
  it('runs Alertmanager from a pinned image, reading the mounted config', () => {
    expect(am.image).toMatch(/^prom\/alertmanager:v\d+\.\d+\.\d+$/);
    expect(configMount()?.source).toBe('./alertmanager/alertmanager.yml');
    expect(flag('config.file')).toBe(CONFIG_TARGET);
    // Silences and the notification log survive a restart.
    const storage = flag('storage.path');
    expect(am.volumes).toContain(`alertmanager-data:${storage}`);
  });

  it("points Prometheus at Alertmanager's service and port, and scrapes it", () => {
    const listen = flag('web.listen-address') ?? ':9093';
    const target = `alertmanager:${listen.split(':').pop()}`;
    const targets = (prometheusConfig.alerting?.alertmanagers ?? []).flatMap((a) =>
      (a.static_configs ?? []).flatMap((s) => s.targets),
    );
    expect(targets).toEqual([target]);
    const scraped = prometheusConfig.scrape_configs.flatMap((j) =>
      (j.static_configs ?? []).flatMap((s) => s.targets),
    );
    expect(scraped).toContain(target);
  });

  it('routes every alert to a receiver that sends it, resolved too, to the alert-log service', () => {
    const { route, receivers } = config();
    const logger = services['alert-log'];
    const url = `http://alert-log:${environment(logger).PORT}/`;
    for (const name of routedReceivers(route)) {
      const receiver = receivers.find((r) => r.name === name);
      expect([name, receiver?.webhook_configs]).toEqual([
        name,
        [expect.objectContaining({ url, send_resolved: true })],
      ]);
    }
    expect(logger.expose).toContain(environment(logger).PORT);
    const script = binds(logger).find((m) => (logger.command as string[]).includes(m.target));
    expect(script?.source).toBe('./alertmanager/alert-log.mjs');
    expect(am.depends_on).toHaveProperty('alert-log');
  });

  it('has a configuration amtool accepts', () => {
    const out = execFileSync(
      toolBin('amtool'),
      ['check-config', resolve(DOCKER, configMount()!.source)],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toContain('SUCCESS');
  });
});

describe('docker/alertmanager/alert-log.mjs', () => {
  let logger: ChildProcess;
  let output = '';
  let base = '';

  /** Polls what the logger printed until `match` finds something, or fails at the deadline. */
  async function printed(match: RegExp, deadlineMs = 10_000): Promise<RegExpMatchArray> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      const found = output.match(match);
      if (found) return found;
      if (Date.now() > end)
        throw new Error(`alert-log never printed ${match}; it printed:\n${output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  beforeAll(async () => {
    logger = spawn(process.execPath, [join(DOCKER, 'alertmanager/alert-log.mjs')], {
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [logger.stdout!, logger.stderr!])
      stream.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    base = `http://127.0.0.1:${(await printed(/listening on (\d+)/))[1]}`;
  });

  afterAll(() => {
    logger.kill('SIGTERM');
  });

  it('logs each alert of a notification as one JSON line, firing or resolved, and answers 200', async () => {
    // The shape of Alertmanager's webhook payload (version 4), trimmed to what is logged.
    const notification = {
      version: '4',
      receiver: 'log',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'DocscaleTargetDown', severity: 'critical', instance: 'a:3200' },
          annotations: { summary: 'docscale-api target a:3200 is down' },
          startsAt: '2026-12-06T21:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
        },
        {
          status: 'resolved',
          labels: { alertname: 'DocscaleTargetDown', severity: 'critical', instance: 'b:3200' },
          annotations: { summary: 'docscale-api target b:3200 is down' },
          startsAt: '2026-12-06T20:00:00Z',
          endsAt: '2026-12-06T20:10:00Z',
        },
      ],
    };
    const res = await fetch(`${base}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notification),
    });
    expect(res.status).toBe(200);
    await printed(/"instance":"b:3200"/);
    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({
        status: 'firing',
        alertname: 'DocscaleTargetDown',
        severity: 'critical',
        summary: 'docscale-api target a:3200 is down',
        startsAt: '2026-12-06T21:00:00Z',
      }),
      expect.objectContaining({
        status: 'resolved',
        summary: 'docscale-api target b:3200 is down',
        endsAt: '2026-12-06T20:10:00Z',
      }),
    ]);
  });

  it('answers 400 to a body that is not a notification, so Alertmanager logs its own error', async () => {
    const res = await fetch(`${base}/`, { method: 'POST', body: 'not json' });
    expect(res.status).toBe(400);
    await printed(/refused a notification/);
  });
});
