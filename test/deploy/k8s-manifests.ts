/**
 * The k8s/ overlays as the cluster would receive them: built with `kubectl kustomize` (Debian's
 * kubectl 1.20 with kustomize v2.0.3 on a fresh machine, a current one where installed; both must
 * give the same objects), parsed, and each object checked against its Kubernetes (or KEDA)
 * schema. A kind without a model here is an error, so no object goes out unvalidated.
 *
 * KUBECTL=/path/to/kubectl runs the suite with another kubectl (how both versions are checked).
 */
import { ILabelSelector } from '@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { IContainer } from 'kubernetes-models/v1/Container';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { IJob } from 'kubernetes-models/batch/v1/Job';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { configSchema, Env } from '../../src/config/config.schema';
import { STAND_IN_SECRET } from './config-keys';
import { ROOT, toolBin } from './repo';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** The model (schema) of every apiVersion/kind the overlays may contain. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

/** The schema error of `object`, `unknown kind` when no model covers it, or undefined. */
export function schemaError(object: KubeObject): string | undefined {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) return `unknown kind ${object.apiVersion}/${object.kind}: add its model`;
  try {
    new Model(asDecoded(object) as never).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Current kustomize folds a long base64 Secret value over several lines; the API server's
 * decoder (Go's encoding/base64) skips the line breaks, the schema's `byte` format does not.
 */
function asDecoded(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret' || !object.data) return object;
  const data = Object.entries(object.data as Record<string, string>).map(([k, v]) => [
    k,
    v.replace(/\s/g, ''),
  ]);
  return { ...object, data: Object.fromEntries(data) };
}

let kubectlPath: string | undefined;
function kubectl(): string {
  kubectlPath ??= process.env.KUBECTL || toolBin('kubectl');
  return kubectlPath;
}

/** `kubectl kustomize k8s/overlays/<overlay>`, parsed (kustomize's warnings go to stderr). */
export function buildOverlay(overlay: string): KubeObject[] {
  const out = execFileSync(kubectl(), ['kustomize', join(ROOT, 'k8s/overlays', overlay)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(out).map((doc) => {
    if (doc.errors.length > 0) throw doc.errors[0];
    return doc.toJS() as KubeObject;
  });
}

export type Labels = Record<string, string>;

/** Whether a label selector (matchLabels, and matchExpressions In/NotIn/Exists) selects `labels`. */
export function selects(selector: ILabelSelector | Labels | undefined, labels: Labels): boolean {
  if (!selector) return false;
  const isLabelSelector = 'matchLabels' in selector || 'matchExpressions' in selector;
  const { matchLabels = {}, matchExpressions = [] } = isLabelSelector
    ? (selector as ILabelSelector)
    : { matchLabels: selector as Labels };
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) return true;
  const byLabel = Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
  const byExpression = matchExpressions.every(({ key, operator, values = [] }) => {
    if (operator === 'In') return values.includes(labels[key]);
    if (operator === 'NotIn') return !values.includes(labels[key]);
    if (operator === 'Exists') return key in labels;
    return !(key in labels);
  });
  return byLabel && byExpression;
}

/**
 * What a container's environment will be, and which names the manifests set. A Secret's value is
 * not in git: when the build holds the Secret (the dev overlay) its value is used, otherwise a
 * stand-in of the right shape (the Secret is created outside git); fieldRefs get a pod name.
 */
export function containerEnv(
  objects: KubeObject[],
  container: IContainer,
): { names: string[]; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const named = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  const secretValue = (name: string, key: string): string => {
    const secret = named('Secret', name) as { data?: Record<string, string> } | undefined;
    if (secret?.data?.[key] !== undefined) {
      return Buffer.from(secret.data[key].replace(/\s/g, ''), 'base64').toString('utf8');
    }
    if (/^DATABASE_/.test(key)) return 'postgres://docscale:secret@db.example:5432/docscale';
    if (/REDIS_URL$/.test(key)) return 'redis://redis.example:6379';
    return STAND_IN_SECRET;
  };
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef?.name) {
      throw new Error(`${container.name}: envFrom other than a ConfigMap sets keys nobody can see`);
    }
    const map = named('ConfigMap', source.configMapRef.name) as
      { data?: Record<string, string> } | undefined;
    if (!map) throw new Error(`${container.name}: no ConfigMap ${source.configMapRef.name}`);
    for (const [key, value] of Object.entries(map.data ?? {}))
      env[`${source.prefix ?? ''}${key}`] = value;
  }
  for (const { name, value, valueFrom } of container.env ?? []) {
    if (valueFrom?.secretKeyRef) {
      env[name] = secretValue(valueFrom.secretKeyRef.name ?? '', valueFrom.secretKeyRef.key);
    } else if (valueFrom?.fieldRef) {
      env[name] = 'docscale-api-5d8f7c9b4-x2x7q';
    } else {
      env[name] = value ?? '';
    }
  }
  return { names: Object.keys(env), env };
}

/** The routes of src/health/health.controller.ts (`@Controller('health')` + `@Get('live')`). */
export function healthRoutes(): string[] {
  const source = readFileSync(join(ROOT, 'src/health/health.controller.ts'), 'utf8');
  const base = /@Controller\('([^']+)'\)/.exec(source)?.[1];
  return [...source.matchAll(/@Get\('([^']+)'\)/g)].map(([, path]) => `/${base}/${path}`);
}

/** Each entry point and the config key of the port it listens on (src/main.ts, src/worker.ts). */
// pattern:queue:begin
export const ENTRY_PORT_KEY: Record<string, 'PORT' | 'WORKER_HEALTH_PORT'> = {
  'dist/src/main.js': 'PORT',
  'dist/src/worker.js': 'WORKER_HEALTH_PORT',
};
// pattern:queue:else
// export const ENTRY_PORT_KEY: Record<string, 'PORT'> = { 'dist/src/main.js': 'PORT' };
// pattern:queue:end

export type Workload = (IDeployment | IJob) & KubeObject;

/** An overlay's objects, and the views of them the k8s suites share. */
export function overlayObjects(overlay: string) {
  const objects = buildOverlay(overlay);
  const ofKind = <T>(kind: string) => objects.filter((o) => o.kind === kind) as unknown as T[];
  const deployments = ofKind<IDeployment & KubeObject>('Deployment');
  const jobs = ofKind<IJob & KubeObject>('Job');
  const podLabels = (w: IDeployment | IJob): Labels => w.spec?.template.metadata?.labels ?? {};
  const containersOf = (w: IDeployment | IJob): IContainer[] =>
    w.spec?.template.spec?.containers ?? [];
  const entryOf = (c: IContainer) => (c.command ?? []).find((arg) => arg.startsWith('dist/')) ?? '';
  const deployment = (name: string | undefined) =>
    deployments.find((d) => d.metadata.name === name);
  /** The config a container starts with: what the manifests set, with the schema's defaults. */
  const configOf = (c: IContainer): Env => configSchema.parse(containerEnv(objects, c).env);
  /** The one Deployment running `entry` (the calling test fails unless there is exactly one). */
  const byEntry = (entry: string) => {
    const found = deployments.filter((d) => containersOf(d).some((c) => entryOf(c) === entry));
    expect(found.map((d) => d.metadata.name)).toHaveLength(1);
    return found[0];
  };
  return {
    objects,
    ofKind,
    deployments,
    jobs,
    podLabels,
    containersOf,
    entryOf,
    deployment,
    configOf,
    byEntry,
  };
}
