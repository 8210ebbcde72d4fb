/**
 * docker/compose.yaml, parsed once for the compose suites (compose*.spec.ts), with the helpers
 * they share to read services' environments, mounts and durations.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DOCKER } from './repo';

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
export interface Service {
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
  entrypoint?: string | string[];
  restart?: string;
  expose?: (string | number)[];
  user?: string;
  ports?: (string | number | { target?: number; published?: string | number; host_ip?: string })[];
  read_only?: boolean;
  cap_drop?: string[];
  cap_add?: string[];
  security_opt?: string[];
  tmpfs?: string | string[];
}
export interface Compose {
  services: Record<string, Service>;
  networks?: Record<string, unknown>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
  configs?: Record<string, unknown>;
  [key: string]: unknown;
}

export const source = readFileSync(join(DOCKER, 'compose.yaml'), 'utf8');
// Compose resolves YAML merge keys (`<<: *docscale-env`); so does the parser here.
export const compose = parse(source, { merge: true }) as Compose;
export const services = compose.services;

/** The services that run docscale's own long-running processes (the migrations are a one-shot). */
export const PROCESS_SERVICES = [
  'api',
  'worker', // pattern:queue
];

/** A compose duration (`15s`, `1m30s`) in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(n) * units[unit];
  return total;
}

export function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(env.map((e) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]));
}

export function names(list: (string | { source: string })[] | undefined): string[] {
  return (list ?? []).map((e) => (typeof e === 'string' ? e : e.source));
}

export function mounts(service: Service): { source: string; target: string }[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source ?? '', target: v.target ?? '' };
    const [src, target] = v.split(':');
    return { source: src, target: target ?? src };
  });
}

/** Bind mounts (a path, relative to docker/ where compose.yaml sits), not named volumes. */
export function binds(service: Service): { source: string; target: string }[] {
  return mounts(service).filter((m) => /^[./]/.test(m.source));
}

/** A shell script or config file without its comment lines, so a check matches code, not prose. */
export function withoutComments(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
}

/** The `-c name=value` settings of a postgres command line. */
export function postgresSettings(command: string | string[] | undefined): Record<string, string> {
  const args = Array.isArray(command) ? command : (command ?? '').split(/\s+/);
  const settings: Record<string, string> = {};
  args.forEach((arg, i) => {
    if (args[i - 1] !== '-c') return;
    const eq = arg.indexOf('=');
    settings[arg.slice(0, eq)] = arg.slice(eq + 1);
  });
  return settings;
}
