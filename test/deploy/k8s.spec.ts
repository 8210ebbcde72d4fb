/**
 * k8s/, checked without a cluster: each overlay built with `kubectl kustomize`, every object
 * validated against its Kubernetes or KEDA schema (test/deploy/k8s-manifests.ts), then what the
 * schemas cannot see about the workloads: probes against the app's health routes and listening
 * ports, the shutdown budget against the app's drain, the environment against the app's config
 * schema, the migration Job's image and first-phase selection, the containers' security context.
 * Autoscaling, PDBs, Services, the Ingress and NetworkPolicies: k8s-traffic.spec.ts.
 */
import { configProblems } from './config-keys';
import {
  containerEnv,
  ENTRY_PORT_KEY,
  healthRoutes,
  overlayObjects,
  schemaError,
} from './k8s-manifests';

describe.each(['dev', 'prod'])('k8s/overlays/%s: workloads', (overlay) => {
  const { objects, deployments, jobs, containersOf, entryOf, configOf, byEntry } =
    overlayObjects(overlay);

  it('holds only kinds with a schema, each object valid against it', () => {
    const errors = objects
      .map((o) => [`${o.kind} ${o.metadata.name}`, schemaError(o)])
      .filter(([, error]) => error !== undefined);
    expect(errors).toEqual([]);
    expect(objects.length).toBeGreaterThan(10);
  });

  it('runs one Deployment for the API and one for the worker', () => {
    expect(
      deployments
        .map((d) => containersOf(d).map(entryOf))
        .flat()
        .sort(),
    ).toEqual(Object.keys(ENTRY_PORT_KEY).sort());
  });

  it('probes the app health routes on the port the process listens on, bound to all interfaces', () => {
    const routes = healthRoutes();
    expect(routes).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    for (const d of deployments) {
      for (const c of containersOf(d)) {
        const config = configOf(c);
        const listening = config[ENTRY_PORT_KEY[entryOf(c)]];
        const portOf = (port: number | string | undefined) =>
          typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;
        const probes = {
          startup: c.startupProbe?.httpGet,
          liveness: c.livenessProbe?.httpGet,
          readiness: c.readinessProbe?.httpGet,
        };
        expect({ container: c.name, paths: Object.values(probes).map((p) => p?.path) }).toEqual({
          container: c.name,
          // Readiness fails only while shutting down; liveness checks no dependency, so it is
          // also the right startup check.
          paths: ['/health/live', '/health/live', '/health/ready'],
        });
        for (const probe of Object.values(probes)) {
          expect(routes).toContain(probe?.path);
          expect([c.name, portOf(probe?.port)]).toEqual([c.name, listening]);
        }
        expect(config.HOST).toBe('0.0.0.0');
      }
    }
  });

  it('gives each pod a grace period longer than preStop + drain delay + shutdown timeout', () => {
    for (const d of deployments) {
      const graceMs = (d.spec?.template.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
      for (const c of containersOf(d)) {
        const { SHUTDOWN_DRAIN_DELAY_MS, SHUTDOWN_TIMEOUT_MS } = configOf(c);
        const preStop = c.lifecycle?.preStop;
        const sleep = preStop?.exec?.command ?? [];
        const preStopMs =
          (preStop?.sleep?.seconds ?? (sleep[0] === 'sleep' ? Number(sleep[1]) : 0)) * 1000;
        if (preStop) expect(preStopMs).toBeGreaterThan(0); // a hook this test can read
        const budget = preStopMs + SHUTDOWN_DRAIN_DELAY_MS + SHUTDOWN_TIMEOUT_MS;
        expect(graceMs).toBeGreaterThan(budget);
      }
    }
  });

  it('sets only environment variables the app reads, with values its config schema accepts', () => {
    for (const workload of [...deployments, ...jobs]) {
      for (const c of containersOf(workload)) {
        expect([c.name, configProblems(containerEnv(objects, c).env)]).toEqual([c.name, []]);
      }
    }
  });

  it('references Secret keys that exist when the Secret is part of the build (unless optional)', () => {
    for (const workload of [...deployments, ...jobs]) {
      for (const { valueFrom } of containersOf(workload).flatMap((c) => c.env ?? [])) {
        const ref = valueFrom?.secretKeyRef;
        const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref?.name) as
          { data?: Record<string, string> } | undefined;
        // An optional key (the token secret's previous values, set only during a rotation) may be absent.
        if (ref && secret && ref.optional !== true)
          expect(Object.keys(secret.data ?? {})).toContain(ref.key);
      }
    }
  });

  it('runs the migration Job with the Deployments image, ready to apply on its own first', () => {
    const images = new Set(deployments.flatMap((d) => containersOf(d).map((c) => c.image)));
    expect(images.size).toBe(1);
    expect(jobs.map((j) => containersOf(j).map((c) => [entryOf(c), c.image]))).toEqual([
      [['dist/scripts/migrate.js', [...images][0]]],
    ]);
    // `kubectl apply -l docscale/stage=migrate` must bring the namespace and the Job's config.
    const firstPhase = objects.filter((o) => o.metadata.labels?.['docscale/stage'] === 'migrate');
    const needed = containersOf(jobs[0]).flatMap((c) => [
      ...(c.envFrom ?? []).map((e) => `ConfigMap ${e.configMapRef?.name}`),
      ...(c.env ?? [])
        .map((e) => `Secret ${e.valueFrom?.secretKeyRef?.name}`)
        .filter((n) => !n.endsWith('undefined')),
    ]);
    const inBuild = needed.filter((n) => objects.some((o) => `${o.kind} ${o.metadata.name}` === n));
    expect(firstPhase.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(
      expect.arrayContaining(
        [...new Set(inBuild)].concat('Namespace docscale', `Job ${jobs[0].metadata.name}`),
      ),
    );
  });

  it('runs every container as non-root, read-only, without capabilities, under the runtime seccomp profile, with requests and limits', () => {
    for (const workload of [...deployments, ...jobs]) {
      const pod = workload.spec?.template.spec;
      for (const c of containersOf(workload)) {
        const context = { ...pod?.securityContext, ...c.securityContext };
        expect([c.name, context]).toEqual([
          c.name,
          expect.objectContaining({
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          }),
        ]);
        expect(c.resources?.requests).toEqual(
          expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }),
        );
        expect(c.resources?.limits).toEqual(expect.objectContaining({ memory: expect.anything() }));
      }
    }
  });

  it(`serves the OpenAPI document ${overlay === 'prod' ? 'nowhere (API_DOCS=off)' : 'at /docs'}`, () => {
    const api = byEntry('dist/src/main.js');
    expect(containersOf(api).map((c) => configOf(c).API_DOCS)).toEqual([overlay !== 'prod']);
  });
});
