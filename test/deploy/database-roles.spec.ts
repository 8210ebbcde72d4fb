/**
 * Least privilege in the deployables (docs/patterns/least-privilege.md): the API and the worker
 * connect as the app role, only the migration gets the owner's URL, and the app role the database
 * creates is the one the app's URLs name.
 */
import { environment, PROCESS_SERVICES, services } from './compose';
import { containerEnv, overlayObjects } from './k8s-manifests';

/**
 * A postgres URL's parts, read by pattern: in compose the password is an interpolation
 * (`${DOCSCALE_APP_DB_PASSWORD:?...}`) that URL parsing refuses.
 */
function partsOf(url: string): { user: string; password: string; host: string } {
  const match = /^postgres(?:ql)?:\/\/([^:@/]+):(.+)@([^:@/]+)(?::\d+)?\/\w+$/.exec(url);
  if (!match) throw new Error(`not a postgres URL with a user and a password: ${url}`);
  return { user: match[1], password: match[2], host: match[3] };
}
const userOf = (url: string) => partsOf(url).user;
/** The `${VAR...}` a compose value interpolates, e.g. DOCSCALE_APP_DB_PASSWORD. */
const variableIn = (value: string) => /\$\{([A-Z_]+)/.exec(value)?.[1];

describe('docker/compose.yaml: database roles', () => {
  const primary = environment(services.primary);
  const migrate = environment(services.migrate);

  it('connects the API and the workers as the app role, not the owner, without the owner URL', () => {
    for (const name of PROCESS_SERVICES) {
      const env = environment(services[name]);
      expect([name, userOf(env.DATABASE_PRIMARY_URL)]).toEqual([name, primary.APP_USER]);
      // pattern:read-replicas:begin
      for (const url of env.DATABASE_REPLICA_URLS.split(','))
        expect([name, userOf(url)]).toEqual([name, primary.APP_USER]);
      // pattern:read-replicas:end
      expect([name, env.DATABASE_OWNER_URL]).toEqual([name, undefined]);
    }
    expect(primary.APP_USER).not.toBe(primary.POSTGRES_USER);
  });

  it('gives the app role the password its URLs carry', () => {
    const api = environment(services.api);
    expect(variableIn(primary.APP_PASSWORD)).toBeDefined();
    expect(variableIn(partsOf(api.DATABASE_PRIMARY_URL).password)).toBe(
      variableIn(primary.APP_PASSWORD),
    );
  });

  it('runs migrations as the owner the primary is initialised with', () => {
    const owner = partsOf(migrate.DATABASE_OWNER_URL);
    expect(owner.user).toBe(primary.POSTGRES_USER);
    expect(variableIn(owner.password)).toBe(variableIn(primary.POSTGRES_PASSWORD));
    expect(owner.host).toBe('primary');
  });
});

describe.each(['dev', 'prod'])('k8s/overlays/%s: database roles', (overlay) => {
  const { objects, deployments, jobs, containersOf } = overlayObjects(overlay);
  const keys = (w: (typeof deployments)[number] | (typeof jobs)[number]) =>
    containersOf(w).flatMap((c) => containerEnv(objects, c).names);

  it('gives DATABASE_OWNER_URL to the migrate Job only', () => {
    for (const d of deployments)
      expect([d.metadata.name, keys(d).includes('DATABASE_OWNER_URL')]).toEqual([
        d.metadata.name,
        false,
      ]);
    expect(jobs.map((j) => [j.metadata.name, keys(j).includes('DATABASE_OWNER_URL')])).toEqual(
      jobs.map((j) => [j.metadata.name, true]),
    );
  });

  if (overlay === 'dev') {
    it("names different roles in the owner's URL and the app's", () => {
      const [job] = jobs;
      const { env } = containerEnv(objects, containersOf(job)[0]);
      expect(userOf(env.DATABASE_OWNER_URL)).not.toBe(userOf(env.DATABASE_PRIMARY_URL));
    });
  }
});
