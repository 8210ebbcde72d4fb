/**
 * k8s/ overlays, built as in k8s.spec.ts, checked for how traffic and scale reach the workloads:
 * the autoscalers own the replica counts, PDBs leave room to drain above the autoscalers' floors,
 * Services and the Ingress point at ports that exist (and not at the operator plane or the probes),
 * Prometheus scrapes the operator port, which only the monitoring namespace reaches, and the
 * NetworkPolicies open exactly the ports the containers' own configuration needs.
 */
import { ILabelSelector } from '@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector';
import { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { IService } from 'kubernetes-models/v1/Service';
import {
  containerEnv,
  ENTRY_PORT_KEY,
  healthRoutes,
  KubeObject,
  overlayObjects,
  selects,
  Workload,
} from './k8s-manifests';
// pattern:queue:begin
import { exportedSeries, metricsIn } from './metric-names'; // pattern:telemetry
// pattern:queue:end

/** The config keys that name servers a process connects to (a comma-separated list for one). */
const SERVER_URL_KEYS = [
  'DATABASE_PRIMARY_URL',
  'DATABASE_REPLICA_URLS',
  'REDIS_URL',
  'QUEUE_REDIS_URL',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
];
const DEFAULT_PORT: Record<string, number> = {
  'postgres:': 5432,
  'postgresql:': 5432,
  'redis:': 6379,
  'rediss:': 6379,
  'http:': 80,
  'https:': 443,
};

/**
 * The keys of SERVER_URL_KEYS each entry point connects to: the migrations read the primary's
 * URL only (scripts/migrate.ts), whatever else their config holds.
 */
const SERVER_KEYS_OF_ENTRY: Record<string, string[]> = {
  'dist/src/main.js': SERVER_URL_KEYS,
  'dist/src/worker.js': SERVER_URL_KEYS,
  'dist/scripts/migrate.js': ['DATABASE_PRIMARY_URL'],
};

/** The TCP ports of the servers an environment's URLs name (keys it leaves unset: none). */
function serverPorts(env: Record<string, string>, keys: string[]): number[] {
  return keys.flatMap((key) =>
    (env[key] ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean)
      .map((u) => {
        const url = new URL(u);
        return url.port ? Number(url.port) : DEFAULT_PORT[url.protocol];
      }),
  );
}

describe.each(['dev', 'prod'])('k8s/overlays/%s: traffic and scale', (overlay) => {
  const {
    objects,
    ofKind,
    deployments,
    jobs,
    podLabels,
    containersOf,
    entryOf,
    configOf,
    deployment,
    byEntry,
  } = overlayObjects(overlay);
  const hpas = ofKind<IHorizontalPodAutoscaler & KubeObject>('HorizontalPodAutoscaler');
  const scaledObjects = ofKind<IScaledObject & KubeObject>('ScaledObject');
  /** The replica floor of a Deployment: its autoscaler's minimum (undefined without one). */
  const floor = (d: IDeployment & KubeObject): number | undefined => {
    const hpa = hpas.find((h) => h.spec?.scaleTargetRef.name === d.metadata.name);
    const keda = scaledObjects.find((o) => o.spec.scaleTargetRef.name === d.metadata.name);
    // Kubernetes' and KEDA's defaults when the field is left out.
    if (hpa) return hpa.spec?.minReplicas ?? 1;
    if (keda) return keda.spec.minReplicaCount ?? 0;
    return undefined;
  };

  it('scales the API on CPU and the worker on queue depth, each targeting its Deployment', () => {
    expect(hpas.map((h) => deployment(h.spec?.scaleTargetRef.name))).toEqual([
      byEntry('dist/src/main.js'),
    ]);
    expect(hpas[0].spec?.scaleTargetRef.kind).toBe('Deployment');
    expect(hpas[0].spec?.metrics?.map((m) => m.resource?.name)).toEqual(['cpu']);
    // pattern:queue:begin
    expect(scaledObjects.map((s) => deployment(s.spec.scaleTargetRef.name))).toEqual([
      byEntry('dist/src/worker.js'),
    ]);
    const triggers = scaledObjects[0].spec.triggers;
    expect(triggers.length).toBeGreaterThan(0);
    for (const trigger of triggers) {
      // pattern:telemetry:begin
      expect(trigger.type).toBe('prometheus');
      expect(metricsIn(trigger.metadata.query as string)).toEqual(['docscale_queue_depth']);
      // pattern:telemetry:else
      // // Without telemetry's gauge, on the workers' CPU (worker-scaledobject.yaml says why).
      // expect([trigger.type, trigger.metricType]).toEqual(['cpu', 'Utilization']);
      // pattern:telemetry:end
    }
    expect(exportedSeries()).toContain('docscale_queue_depth'); // pattern:telemetry
    // pattern:queue:else
    // expect(scaledObjects).toEqual([]);
    // pattern:queue:end
  });

  it('leaves the replica count of every Deployment to its autoscaler, from a floor of at least 1', () => {
    for (const d of deployments) {
      // `replicas` in a manifest would reset a scaled-out fleet to it on every apply.
      expect([d.metadata.name, floor(d), d.spec?.replicas]).toEqual([
        d.metadata.name,
        expect.any(Number),
        undefined,
      ]);
      expect(floor(d)).toBeGreaterThanOrEqual(1);
    }
  });

  it('gives each Deployment a PDB selecting its pods that still lets a node drain', () => {
    const pdbs = ofKind<IPodDisruptionBudget & KubeObject>('PodDisruptionBudget');
    for (const d of deployments) {
      const covering = pdbs.filter((p) => selects(p.spec?.selector, podLabels(d)));
      expect([d.metadata.name, covering.length]).toEqual([d.metadata.name, 1]);
      const { minAvailable, maxUnavailable } = covering[0].spec ?? {};
      // minAvailable at or above the floor would block every node drain at the floor.
      if (minAvailable !== undefined)
        expect([d.metadata.name, Number(minAvailable) < (floor(d) ?? 1)]).toEqual([
          d.metadata.name,
          true,
        ]);
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

  it('keeps the health routes, /metrics and the admin API off the Ingress, and routes the public API', () => {
    const paths = ofKind<IIngress>('Ingress').flatMap((i) =>
      (i.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []),
    );
    const exposes = (route: string) =>
      paths.some(({ path = '/', pathType }) =>
        pathType === 'Exact'
          ? route === path
          : route === path || route.startsWith(path.endsWith('/') ? path : `${path}/`),
      );
    const operatorPlane = ['/metrics', '/v1/admin', '/v1/admin/toggles', '/v1/admin/keys'];
    expect([...healthRoutes(), ...operatorPlane].filter(exposes)).toEqual([]);
    const publicRoutes = ['/v1/documents', '/v1/documents/x/export', '/v1/jobs', '/v1/jobs/x'];
    expect([...publicRoutes, '/problems/not-found', '/docs', '/docs-json'].filter(exposes)).toEqual(
      [...publicRoutes, '/problems/not-found', '/docs', '/docs-json'],
    );
  });

  it("scrapes the API's /metrics on its operator port, which no Service names and only the monitoring namespace reaches", () => {
    const api = byEntry('dist/src/main.js');
    const [container] = containersOf(api);
    const { OPERATOR_PORT, PORT, OPERATOR_HOST } = configOf(container);
    expect(OPERATOR_PORT).not.toBe(PORT);
    expect(OPERATOR_HOST).toBe('0.0.0.0'); // Prometheus scrapes the pod's address
    // pattern:telemetry:begin
    const annotations = api.spec?.template.metadata?.annotations ?? {};
    expect(annotations['prometheus.io/port']).toBe(String(OPERATOR_PORT));
    expect(annotations['prometheus.io/path']).toBe('/metrics');
    // pattern:telemetry:end
    expect(container.ports).toContainEqual({ name: 'operator', containerPort: OPERATOR_PORT });
    const targets = ofKind<IService & KubeObject>('Service').flatMap(
      (s) => s.spec?.ports?.map((p) => p.targetPort) ?? [],
    );
    expect(targets.filter((t) => t === 'operator' || t === OPERATOR_PORT)).toEqual([]);
    const rules = ofKind<INetworkPolicy & KubeObject>('NetworkPolicy')
      .filter((p) => selects(p.spec?.podSelector, podLabels(api)))
      .flatMap((p) => p.spec?.ingress ?? [])
      .filter((r) => r.ports?.some((x) => x.port === OPERATOR_PORT || x.port === 'operator'));
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.from).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
      ]);
    }
  });

  const policies = ofKind<INetworkPolicy & KubeObject>('NetworkPolicy');

  it('denies all traffic by default and opens only the ports docscale uses', () => {
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
    const applying = (w: Workload) =>
      policies.filter((p) => selects(p.spec?.podSelector, podLabels(w)));
    const ingressPorts = (w: Workload) =>
      applying(w).flatMap((p) =>
        (p.spec?.ingress ?? []).flatMap((r) => r.ports?.map((x) => x.port) ?? []),
      );
    const egressPorts = (w: Workload) =>
      applying(w).flatMap((p) =>
        (p.spec?.egress ?? []).flatMap((r) => r.ports?.map((x) => Number(x.port)) ?? []),
      );
    /** DNS, and the port of every server the container's entry point connects to. */
    const neededEgress = (w: Workload) =>
      containersOf(w).flatMap((c) => [
        53,
        ...serverPorts(containerEnv(objects, c).env, SERVER_KEYS_OF_ENTRY[entryOf(c)]),
      ]);
    const unique = (ports: number[]) => [...new Set(ports)].sort((a, b) => a - b);
    for (const d of deployments) {
      for (const c of containersOf(d)) {
        const port = configOf(c)[ENTRY_PORT_KEY[entryOf(c)]];
        expect([d.metadata.name, ingressPorts(d)]).toEqual([
          d.metadata.name,
          expect.arrayContaining([port]),
        ]);
      }
    }
    const workloads = [...deployments, ...jobs];
    expect(workloads.map((w) => neededEgress(w).length).every((n) => n > 1)).toBe(true);
    // Exactly those: the migration Job, for one, reaches Postgres and DNS, not Redis.
    for (const w of workloads) {
      expect([w.metadata.name, unique(egressPorts(w))]).toEqual([
        w.metadata.name,
        unique(neededEgress(w)),
      ]);
    }
    expect(unique(egressPorts(jobs[0]))).toEqual([53, 5432]);
  });

  it('names the destination of every egress rule: a namespace, pods, or addresses short of all', () => {
    const everywhere = /^(0\.0\.0\.0|::)\/0$/;
    // Absent or `{}`: every pod (of the namespace), every namespace.
    const selectsAll = (s?: ILabelSelector) =>
      Object.keys(s?.matchLabels ?? {}).length === 0 && !s?.matchExpressions?.length;
    const unnamed = policies.flatMap((p) =>
      (p.spec?.egress ?? [])
        .filter(
          (r) =>
            !r.to?.length ||
            r.to.some(
              (peer) =>
                everywhere.test(peer.ipBlock?.cidr ?? '') ||
                (!peer.ipBlock &&
                  selectsAll(peer.podSelector) &&
                  selectsAll(peer.namespaceSelector)),
            ),
        )
        .map((r) => `${p.metadata.name}: ${JSON.stringify(r.to ?? 'anywhere')}`),
    );
    expect(unnamed).toEqual([]);
    expect(policies.some((p) => p.spec?.egress?.length)).toBe(true);
  });

  it('resolves names through kube-dns only, over UDP and TCP', () => {
    const dnsRules = policies.flatMap((p) =>
      (p.spec?.egress ?? []).filter((r) => r.ports?.some((x) => Number(x.port) === 53)),
    );
    expect(dnsRules.length).toBeGreaterThan(0);
    for (const rule of dnsRules) {
      expect(rule.ports?.map((x) => `${x.protocol}/${x.port}`).sort()).toEqual([
        'TCP/53',
        'UDP/53',
      ]);
      expect(rule.to).toEqual([
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        },
      ]);
    }
  });
});
