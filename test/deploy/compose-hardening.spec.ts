/**
 * Least privilege in docker/compose.yaml, checked on the parsed file and the scripts it mounts:
 * what the host publishes beyond its loopback, what each container may do (read-only root, no
 * capabilities, no-new-privileges, an unprivileged user), and Redis behind an ACL whose password
 * every client carries.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  binds,
  environment,
  PROCESS_SERVICES,
  type Service,
  services,
  withoutComments,
} from './compose';
import { STAND_IN_SECRET } from './config-keys';
import { DOCKER } from './repo';

/** The only port published beyond the host's loopback: the edge. */
const EDGE = { service: 'nginx', port: '8080:8080' };

/**
 * Capabilities a service adds back after `cap_drop: [ALL]`, and why. The postgres image's
 * entrypoint starts as root to own the data directory (chown, chmod of files it does not own),
 * then drops to `postgres` with gosu (setuid, setgid); docker/postgres/replica-entrypoint.sh does
 * the same. Every other image runs unprivileged and needs none.
 */
const POSTGRES_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'];
const CAPABILITIES: Record<string, string[]> = {
  primary: POSTGRES_CAPABILITIES,
  replica: POSTGRES_CAPABILITIES, // pattern:read-replicas
};

/** Images that start as root unless told otherwise, and the user compose starts them as. */
const UNPRIVILEGED_USER: Record<string, string> = {
  redis: 'redis',
  nginx: 'nginx',
  'alert-log': 'node', // pattern:telemetry
};

/**
 * The ports of a service published on an address other than loopback, as written. Without a host
 * address Docker binds every interface; a bare container port is published on a random host port.
 */
function publishedBeyondLoopback(service: Service): string[] {
  return (service.ports ?? [])
    .filter((p) =>
      typeof p === 'object' ? p.host_ip !== '127.0.0.1' : !String(p).startsWith('127.0.0.1:'),
    )
    .map((p) => (typeof p === 'object' ? JSON.stringify(p) : String(p)));
}

/** The mount points of a service's tmpfs entries (`/tmp:size=1m` → `/tmp`). */
function tmpfsPaths(service: Service): string[] {
  const entries = typeof service.tmpfs === 'string' ? [service.tmpfs] : (service.tmpfs ?? []);
  return entries.map((e) => e.split(':')[0]);
}

const onTmpfs = (service: Service, path: string) =>
  tmpfsPaths(service).some((dir) => path.startsWith(`${dir}/`));

const nginxConf = withoutComments(readFileSync(join(DOCKER, 'nginx/compose/nginx.conf'), 'utf8'));

describe('docker/compose.yaml: what the host publishes', () => {
  it('publishes only the edge port beyond the loopback interface', () => {
    const published = Object.entries(services).flatMap(([name, s]) =>
      publishedBeyondLoopback(s).map((port) => ({ service: name, port })),
    );
    expect(published).toEqual([EDGE]);
  });

  it('counts a port without a host address as published on every interface', () => {
    const ports = ['9090:9090', '127.0.0.1:3001:3000', '3000', { target: 3000, published: 9090 }];
    expect(publishedBeyondLoopback({ ports })).toEqual([
      '9090:9090',
      '3000',
      '{"target":3000,"published":9090}',
    ]);
  });
});

describe('docker/compose.yaml: least privilege in the containers', () => {
  it('runs every container with a read-only root, no capabilities and no-new-privileges', () => {
    for (const [name, s] of Object.entries(services)) {
      expect([name, s.read_only, s.cap_drop, s.security_opt]).toEqual([
        name,
        true,
        ['ALL'],
        expect.arrayContaining(['no-new-privileges:true']),
      ]);
    }
  });

  it('adds back only the capabilities the Postgres entrypoint needs to own its volume and drop root', () => {
    for (const [name, s] of Object.entries(services)) {
      expect([name, s.cap_add]).toEqual([name, CAPABILITIES[name]]);
    }
  });

  it('starts the images that default to root as their own unprivileged user', () => {
    for (const [name, user] of Object.entries(UNPRIVILEGED_USER)) {
      expect([name, services[name].user]).toEqual([name, user]);
    }
    // A non-root master ignores `user` (with a warning): the file does not pretend to switch.
    expect(nginxConf).not.toMatch(/^\s*user\s/m);
    // Unprivileged: it may bind no port below 1024.
    const listens = [...nginxConf.matchAll(/^\s*listen\s+(?:[\d.]+:)?(\d+)/gm)].map((m) => m[1]);
    listens.push(EDGE.port.split(':')[1]);
    for (const port of listens) expect(Number(port)).toBeGreaterThanOrEqual(1024);
  });

  it('gives each process a tmpfs where it writes outside its volumes', () => {
    // Node and the libraries may write temporary files (migrate, a one-shot, writes nothing).
    for (const name of PROCESS_SERVICES)
      expect([name, tmpfsPaths(services[name])]).toEqual([name, ['/tmp']]);
    const pid = /^\s*pid\s+(\S+);/m.exec(nginxConf)?.[1];
    expect(onTmpfs(services.nginx, pid ?? '')).toBe(true);
    // The image's compiled-in client body and proxy temp paths.
    expect(tmpfsPaths(services.nginx)).toContain('/var/cache/nginx');
    for (const name of [
      'primary',
      'replica', // pattern:read-replicas
    ])
      expect(tmpfsPaths(services[name])).toContain('/var/run/postgresql');
    expect(onTmpfs(services.redis, redisAclFile())).toBe(true);
  });
});

const redisEntrypoint = () => {
  const mount = binds(services.redis).find((m) =>
    (services.redis.entrypoint as string[]).includes(m.target),
  );
  expect(mount).toBeDefined();
  return withoutComments(readFileSync(resolve(DOCKER, mount!.source), 'utf8'));
};
const redisAclFile = () => /^acl=(\S+)$/m.exec(redisEntrypoint())?.[1] ?? '';

describe('docker/compose.yaml: Redis behind an ACL', () => {
  it('starts Redis with an ACL file: the default user off, docscale with the required password', () => {
    const script = redisEntrypoint();
    expect(script).toMatch(/^exec redis-server --aclfile "\$acl" "\$@"$/m);
    expect(script).toMatch(/^\s*'user default off' \\$/m);
    const rule = /"user docscale on >\$DOCSCALE_REDIS_PASSWORD ([^"]*)"/.exec(script)?.[1];
    expect(rule?.split(' ')).toEqual(['~*', '&*', '+@all', '-@admin', '-flushall', '-flushdb']);
    expect(environment(services.redis).DOCSCALE_REDIS_PASSWORD).toMatch(
      /^\$\{DOCSCALE_REDIS_PASSWORD:\?/,
    );
    // The password stays off redis-server's command line, where `ps` would show it.
    expect(JSON.stringify(services.redis.command)).not.toMatch(/pass|--user/);
    expect(JSON.stringify(services.redis.healthcheck?.test)).toContain(
      'REDISCLI_AUTH=\\"$$DOCSCALE_REDIS_PASSWORD\\" redis-cli --user docscale ping',
    );
  });

  it('connects every Redis client as the ACL user with its password', () => {
    const clients = Object.entries(services).flatMap(([name, s]) =>
      Object.entries(environment(s))
        .filter(([key]) => /REDIS_URL$/.test(key))
        .map(([key, value]) => ({ name, key, value })),
    );
    expect(clients.map((c) => c.name)).toEqual(expect.arrayContaining(PROCESS_SERVICES));
    for (const { name, key, value } of clients) {
      expect([name, key, value]).toEqual([
        name,
        key,
        expect.stringContaining(':${DOCSCALE_REDIS_PASSWORD:?'),
      ]);
      const url = new URL(value.replace(/\$\{[^}]+\}/g, STAND_IN_SECRET));
      expect([name, url.username, url.password, url.host]).toEqual([
        name,
        'docscale',
        STAND_IN_SECRET,
        'redis:6379',
      ]);
    }
  });
});
