/**
 * k8s/, checked without a cluster: each overlay built with `kubectl kustomize`, every object
 * validated against its Kubernetes or KEDA schema (test/deploy/k8s-manifests.ts), then what the
 * schemas cannot see: probes against the app's health routes and listening ports, the shutdown
 * budget against the app's drain, autoscaler, PDB, Service and Ingress references after name
 * prefixing, the environment against the app's config schema, and the migration Job's image.
 */
import { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { IJob } from 'kubernetes-models/batch/v1/Job';
import { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { IContainer } from 'kubernetes-models/v1/Container';
import { IService } from 'kubernetes-models/v1/Service';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema, Env } from '../../src/config/config.schema';
import { configKeys } from './config-keys';
import {
  buildOverlay,
  containerEnv,
  KubeObject,
  Labels,
  ROOT,
  schemaError,
  selects,
} from './k8s-manifests';
import { exportedSeries, metricsIn } from './metric-names';

/** The routes of src/health/health.controller.ts (`@Controller('health')` + `@Get('live')`). */
function healthRoutes(): string[] {
  const source = readFileSync(join(ROOT, 'src/health/health.controller.ts'), 'utf8');
  const base = /@Controller\('([^']+)'\)/.exec(source)?.[1];
  return [...source.matchAll(/@Get\('([^']+)'\)/g)].map(([, path]) => `/${base}/${path}`);
}

/** Each entry point and the config key of the port it listens on (src/main.ts, src/worker.ts). */
const ENTRY_PORT_KEY: Record<string, 'PORT' | 'WORKER_HEALTH_PORT'> = {
  'dist/src/main.js': 'PORT',
  'dist/src/worker.js': 'WORKER_HEALTH_PORT',
};

describe.each(['dev', 'prod'])('k8s/overlays/%s', (overlay) => {
  const objects = buildOverlay(overlay);
  const ofKind = <T>(kind: string) => objects.filter((o) => o.kind === kind) as unknown as T[];
  const deployments = ofKind<IDeployment & KubeObject>('Deployment');
  const jobs = ofKind<IJob & KubeObject>('Job');
  const podLabels = (d: IDeployment): Labels => d.spec?.template.metadata?.labels ?? {};
  const containersOf = (d: IDeployment | IJob): IContainer[] =>
    d.spec?.template.spec?.containers ?? [];
  const entryOf = (c: IContainer) => (c.command ?? []).find((arg) => arg.startsWith('dist/')) ?? '';
  const deployment = (name: string | undefined) =>
    deployments.find((d) => d.metadata.name === name);
  /** The config a container starts with: what the manifests set, with the schema's defaults. */
  const configOf = (c: IContainer): Env => configSchema.parse(containerEnv(objects, c).env);
  const byEntry = (entry: string) => {
    const found = deployments.filter((d) => containersOf(d).some((c) => entryOf(c) === entry));
    expect(found).toHaveLength(1);
    return found[0];
  };

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
        const { names, env } = containerEnv(objects, c);
        expect(names.filter((name) => !configKeys.has(name))).toEqual([]);
        const parsed = configSchema.safeParse(env);
        expect([c.name, parsed.error?.issues ?? []]).toEqual([c.name, []]);
      }
    }
  });

  it('references Secret keys that exist when the Secret is part of the build', () => {
    for (const workload of [...deployments, ...jobs]) {
      for (const { valueFrom } of containersOf(workload).flatMap((c) => c.env ?? [])) {
        const ref = valueFrom?.secretKeyRef;
        const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref?.name) as
          { data?: Record<string, string> } | undefined;
        if (ref && secret) expect(Object.keys(secret.data ?? {})).toContain(ref.key);
      }
    }
  });

  it('scales the API on CPU and the worker on queue depth, each targeting its Deployment', () => {
    const hpas = ofKind<IHorizontalPodAutoscaler & KubeObject>('HorizontalPodAutoscaler');
    const scaled = ofKind<IScaledObject & KubeObject>('ScaledObject');
    expect(hpas.map((h) => deployment(h.spec?.scaleTargetRef.name))).toEqual([
      byEntry('dist/src/main.js'),
    ]);
    expect(hpas[0].spec?.scaleTargetRef.kind).toBe('Deployment');
    expect(hpas[0].spec?.metrics?.map((m) => m.resource?.name)).toEqual(['cpu']);
    expect(scaled.map((s) => deployment(s.spec.scaleTargetRef.name))).toEqual([
      byEntry('dist/src/worker.js'),
    ]);
    for (const trigger of scaled[0].spec.triggers) {
      expect(trigger.type).toBe('prometheus');
      expect(metricsIn(trigger.metadata.query as string)).toEqual(['docscale_queue_depth']);
    }
    expect(exportedSeries()).toContain('docscale_queue_depth');
  });

  it('gives each Deployment a PDB selecting its pods that still lets a node drain', () => {
    const pdbs = ofKind<IPodDisruptionBudget & KubeObject>('PodDisruptionBudget');
    const floor = (d: IDeployment & KubeObject) => {
      const hpa = ofKind<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler').find(
        (h) => h.spec?.scaleTargetRef.name === d.metadata.name,
      );
      const keda = ofKind<IScaledObject>('ScaledObject').find(
        (s) => s.spec.scaleTargetRef.name === d.metadata.name,
      );
      return hpa?.spec?.minReplicas ?? keda?.spec.minReplicaCount ?? d.spec?.replicas ?? 1;
    };
    for (const d of deployments) {
      const covering = pdbs.filter((p) => selects(p.spec?.selector, podLabels(d)));
      expect([d.metadata.name, covering.length]).toEqual([d.metadata.name, 1]);
      const { minAvailable, maxUnavailable } = covering[0].spec ?? {};
      if (minAvailable !== undefined) expect(Number(minAvailable)).toBeLessThan(floor(d));
      else expect(Number(maxUnavailable)).toBeGreaterThanOrEqual(1);
    }
    for (const p of pdbs) {
      expect(deployments.filter((d) => selects(p.spec?.selector, podLabels(d)))).toHaveLength(1);
    }
  });

  it('points every Service at pods that declare its target port, and the Ingress at Services', () => {
    const services = ofKind<IService & KubeObject>('Service');
    for (const s of services) {
      const pods = deployments.filter((d) => selects(s.spec?.selector, podLabels(d)));
      expect([s.metadata.name, pods.length]).toEqual([s.metadata.name, 1]);
      const declared = containersOf(pods[0]).flatMap((c) => c.ports ?? []);
      for (const { targetPort } of s.spec?.ports ?? []) {
        const found = declared.find((p) => p.name === targetPort || p.containerPort === targetPort);
        expect([s.metadata.name, targetPort, found]).toEqual([
          s.metadata.name,
          targetPort,
          expect.anything(),
        ]);
      }
    }
    const backends = ofKind<IIngress>('Ingress').flatMap((i) =>
      (i.spec?.rules ?? []).flatMap((r) => r.http?.paths.map((p) => p.backend.service) ?? []),
    );
    expect(backends.length).toBeGreaterThan(0);
    for (const backend of backends) {
      const service = services.find((s) => s.metadata.name === backend?.name);
      expect(service?.spec?.ports?.map((p) => p.name)).toContain(backend?.port?.name);
    }
  });

  it('keeps the health routes and /metrics off the Ingress', () => {
    const paths = ofKind<IIngress>('Ingress').flatMap((i) =>
      (i.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []),
    );
    const exposes = (route: string) =>
      paths.some(({ path = '/', pathType }) =>
        pathType === 'Exact'
          ? route === path
          : route === path || route.startsWith(path.endsWith('/') ? path : `${path}/`),
      );
    expect([...healthRoutes(), '/metrics'].filter(exposes)).toEqual([]);
    expect(exposes('/v1/documents')).toBe(true);
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

  it('runs every container as non-root, read-only, without capabilities, with requests and limits', () => {
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
          }),
        ]);
        expect(c.resources?.requests).toEqual(
          expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }),
        );
        expect(c.resources?.limits).toEqual(expect.objectContaining({ memory: expect.anything() }));
      }
    }
  });

  it('denies all traffic by default and opens only the ports docscale uses', () => {
    const policies = ofKind<INetworkPolicy & KubeObject>('NetworkPolicy');
    const denyAll = policies.find(
      (p) =>
        Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
        !p.spec?.ingress &&
        !p.spec?.egress &&
        (['Ingress', 'Egress'] as const).every((t) => p.spec?.policyTypes?.includes(t)),
    );
    expect(denyAll).toBeDefined();
    const portless = policies.flatMap((p) =>
      [...(p.spec?.ingress ?? []), ...(p.spec?.egress ?? [])].filter((r) => !r.ports?.length),
    );
    expect(portless).toEqual([]); // a rule without ports opens every port
    const applying = (d: IDeployment) =>
      policies.filter((p) => selects(p.spec?.podSelector, podLabels(d)));
    const ingressPorts = (d: IDeployment) =>
      applying(d).flatMap((p) =>
        (p.spec?.ingress ?? []).flatMap((r) => r.ports?.map((x) => x.port) ?? []),
      );
    const egressPorts = (d: IDeployment) =>
      applying(d).flatMap((p) =>
        (p.spec?.egress ?? []).flatMap((r) => r.ports?.map((x) => x.port) ?? []),
      );
    for (const d of deployments) {
      const c = containersOf(d)[0];
      const port = configOf(c)[ENTRY_PORT_KEY[entryOf(c)]];
      expect([d.metadata.name, ingressPorts(d)]).toEqual([
        d.metadata.name,
        expect.arrayContaining([port]),
      ]);
      expect([d.metadata.name, egressPorts(d)]).toEqual([
        d.metadata.name,
        expect.arrayContaining([5432, 6379, 53]),
      ]);
    }
    for (const j of jobs) {
      const labels = j.spec?.template.metadata?.labels ?? {};
      const egress = policies
        .filter((p) => selects(p.spec?.podSelector, labels))
        .flatMap((p) => (p.spec?.egress ?? []).flatMap((r) => r.ports?.map((x) => x.port) ?? []));
      expect(egress).toEqual(expect.arrayContaining([5432, 53]));
    }
  });
});
