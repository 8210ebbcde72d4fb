/**
 * nginx in front of the API in docker/compose.yaml: the same docscale.conf the local balancer
 * runs. (Prometheus and the OpenTelemetry Collector: compose-telemetry.spec.ts.)
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { binds, compose, environment, services, withoutComments } from './compose';
import { DOCKER, ROOT } from './repo';

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
