import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './toolchain';

/**
 * What the Helm chart (infra/helm/refinery) must render, checked on `helm template` output.
 * A pure function of the manifests, so a test can feed it a mutated copy and see it fail.
 */

/** A rendered Kubernetes object; only the fields the invariants read are typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // resource specs vary by kind; the checks below read them defensively
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface GpuPoolExpectation {
  name: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
}

export interface ChartExpectations {
  /** The pools of the values file: one GPU worker Deployment each, nothing more. */
  gpuPools: GpuPoolExpectation[];
  /** Whether the values enable the pipeline worker's HPA. */
  autoscaling: boolean;
}

/** Settings that are secrets (packages/core/src/config.ts and the AWS credentials): only ever from a Secret. */
export const SECRET_ENV = [
  'DATABASE_URL',
  'REFINERY_PAYLOAD_KEYS',
  'REFINERY_PAYLOAD_KEY_ID',
  'REFINERY_AUTH_SECRET',
  'REFINERY_AUDIT_SIGNING_KEY',
  'REFINERY_OIDC_CLIENT_SECRET',
  'REFINERY_OPENLINEAGE_API_KEY',
  'REFINERY_METRICS_TOKEN',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
] as const;

/** Secret keys each process cannot start without. */
const REQUIRED_SECRETS: Record<string, readonly string[]> = {
  web: ['DATABASE_URL', 'REFINERY_PAYLOAD_KEYS', 'REFINERY_PAYLOAD_KEY_ID', 'REFINERY_AUTH_SECRET'],
  'pipeline-worker': ['DATABASE_URL', 'REFINERY_PAYLOAD_KEYS', 'REFINERY_PAYLOAD_KEY_ID'],
  'gpu-worker': ['DATABASE_URL', 'REFINERY_PAYLOAD_KEYS', 'REFINERY_PAYLOAD_KEY_ID'],
};

const GPU = 'nvidia.com/gpu';

/** Parses multi-document `helm template` output; empty documents (e.g. a disabled template) are skipped. */
export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`helm template rendered invalid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) objects.push(value);
  }
  return objects;
}

const component = (o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/component'] ?? o.spec?.template?.metadata?.labels?.['app.kubernetes.io/component'];
const podSpec = (o: K8sObject) => o.spec?.template?.spec;
const containers = (o: K8sObject): any[] => podSpec(o)?.containers ?? [];
const envOf = (c: any): any[] => c.env ?? [];
const isSubset = (want: Record<string, unknown>, have: Record<string, unknown> | undefined) => Object.entries(want).every(([k, v]) => JSON.stringify(have?.[k]) === JSON.stringify(v));
const sameToleration = (a: Record<string, unknown>, b: Record<string, unknown>) => ['key', 'operator', 'value', 'effect'].every((k) => (a[k] ?? null) === (b[k] ?? null));
const hookPhases = (o: K8sObject) => (o.metadata.annotations?.['helm.sh/hook'] ?? '').split(',').map((h) => h.trim());
const hookWeight = (o: K8sObject) => Number(o.metadata.annotations?.['helm.sh/hook-weight'] ?? 0);

/** Every problem found, one sentence each (empty: the chart is sound). */
export function chartInvariantProblems(objects: K8sObject[], expect: ChartExpectations): string[] {
  const problems: string[] = [];
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job');
  const secrets = objects.filter((o) => o.kind === 'Secret');
  const configMaps = objects.filter((o) => o.kind === 'ConfigMap');

  // GPU workers: one per pool, each asking for GPUs on the pool's nodes and polling the pool's queue.
  const gpuWorkers = deployments.filter((d) => component(d) === 'gpu-worker');
  for (const pool of expect.gpuPools) {
    const matching = gpuWorkers.filter((d) => containers(d).some((c) => envOf(c).some((e) => e.name === 'GPU_POOL' && e.value === pool.name)));
    if (matching.length !== 1) problems.push(`GPU pool "${pool.name}": expected one GPU worker Deployment with GPU_POOL=${pool.name}, found ${matching.length}`);
  }
  if (gpuWorkers.length !== expect.gpuPools.length) problems.push(`expected ${expect.gpuPools.length} GPU worker Deployment(s) (one per pool), found ${gpuWorkers.length}`);
  for (const d of gpuWorkers) {
    const name = d.metadata.name;
    const worker = containers(d)[0];
    if (!worker) {
      problems.push(`GPU worker ${name} has no container`);
      continue;
    }
    for (const side of ['requests', 'limits'] as const) {
      const n = Number(worker.resources?.[side]?.[GPU] ?? 0);
      if (!(n >= 1)) problems.push(`GPU worker ${name} does not ${side === 'requests' ? 'request' : 'limit'} ${GPU} (resources.${side}["${GPU}"] is ${worker.resources?.[side]?.[GPU] ?? 'absent'})`);
    }
    const poolName = envOf(worker).find((e) => e.name === 'GPU_POOL')?.value;
    const pool = expect.gpuPools.find((p) => p.name === poolName);
    if (!poolName) problems.push(`GPU worker ${name} has no GPU_POOL env: it would poll the default pool's queue`);
    if (!pool) continue;
    if (pool.nodeSelector && !isSubset(pool.nodeSelector, podSpec(d)?.nodeSelector)) problems.push(`GPU worker ${name} lacks pool "${pool.name}"'s nodeSelector ${JSON.stringify(pool.nodeSelector)}`);
    for (const t of pool.tolerations ?? []) {
      if (!(podSpec(d)?.tolerations ?? []).some((have: Record<string, unknown>) => sameToleration(t, have))) problems.push(`GPU worker ${name} lacks pool "${pool.name}"'s toleration ${JSON.stringify(t)}`);
    }
  }

  // The web app: probes on the health route that exists in apps/web.
  const web = deployments.filter((d) => component(d) === 'web');
  if (web.length !== 1) problems.push(`expected one web Deployment, found ${web.length}`);
  for (const d of web) {
    const c = containers(d)[0];
    for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
      const path: string | undefined = c?.[probe]?.httpGet?.path;
      if (!path?.startsWith('/api/v1/health')) {
        problems.push(`web Deployment ${d.metadata.name}: ${probe} must be an httpGet on /api/v1/health (got ${path ?? 'none'})`);
        continue;
      }
      const routeFile = join(REPO_ROOT, 'apps/web/app', path.split('?')[0]!, 'route.ts');
      if (!existsSync(routeFile)) problems.push(`web Deployment ${d.metadata.name}: ${probe} path ${path} has no route (${routeFile} is missing)`);
      const port = c[probe].httpGet.port;
      if (!(c.ports ?? []).some((p: { name?: string; containerPort: number }) => p.name === port || p.containerPort === port)) problems.push(`web Deployment ${d.metadata.name}: ${probe} port ${port} is not a container port`);
    }
  }
  const webService = objects.find((o) => o.kind === 'Service' && web[0] && isSubset(o.spec?.selector ?? { none: true }, web[0].spec?.template?.metadata?.labels));
  if (!webService) problems.push('no Service selects the web pods');
  for (const ing of objects.filter((o) => o.kind === 'Ingress')) {
    const backends = (ing.spec?.rules ?? []).flatMap((r: any) => (r.http?.paths ?? []).map((p: any) => p.backend?.service?.name));
    if (!backends.length || backends.some((b: string) => b !== webService?.metadata.name)) problems.push(`Ingress ${ing.metadata.name} must route to the web Service (routes to ${backends.join(', ') || 'nothing'})`);
  }

  // Secrets: by secretKeyRef only, never in a ConfigMap or inline; each process has what it needs.
  for (const w of workloads) {
    for (const c of containers(w)) {
      for (const e of envOf(c)) {
        if ((SECRET_ENV as readonly string[]).includes(e.name) && !e.valueFrom?.secretKeyRef) problems.push(`${w.kind} ${w.metadata.name}: env ${e.name} must come from a Secret (valueFrom.secretKeyRef), not ${e.value !== undefined ? 'an inline value' : JSON.stringify(e.valueFrom)}`);
      }
      const required = REQUIRED_SECRETS[component(w) ?? ''] ?? [];
      for (const key of required) {
        if (!envOf(c).some((e) => e.name === key && e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional)) problems.push(`${w.kind} ${w.metadata.name}: ${key} is not read from a Secret (required key)`);
      }
    }
  }
  const secretValues = secrets.flatMap((s) => [...Object.values(s.stringData ?? {}), ...Object.values(s.data ?? {}).map((v) => Buffer.from(v, 'base64').toString())]).filter((v) => v.length >= 8);
  for (const cm of configMaps) {
    for (const [key, value] of Object.entries(cm.data ?? {})) {
      if ((SECRET_ENV as readonly string[]).includes(key)) problems.push(`ConfigMap ${cm.metadata.name} holds ${key}, a secret: it belongs in the Secret`);
      if (secretValues.some((s) => String(value).includes(s))) problems.push(`ConfigMap ${cm.metadata.name} key ${key} contains a Secret's value`);
    }
  }
  for (const w of workloads) {
    for (const c of containers(w)) {
      for (const e of envOf(c)) {
        if (typeof e.value === 'string' && secretValues.some((s) => e.value.includes(s))) problems.push(`${w.kind} ${w.metadata.name}: env ${e.name} inlines a Secret's value`);
      }
    }
  }

  // Migrations: a Job run by Helm before install and upgrade, after the Secret it reads exists.
  const migrations = objects.filter((o) => o.kind === 'Job' && component(o) === 'migrations');
  if (migrations.length !== 1) problems.push(`expected one migrations Job, found ${migrations.length}`);
  for (const job of migrations) {
    const phases = hookPhases(job);
    for (const phase of ['pre-install', 'pre-upgrade']) if (!phases.includes(phase)) problems.push(`migrations Job ${job.metadata.name} is not a ${phase} hook (helm.sh/hook: ${phases.join(',') || 'none'})`);
    const command: string[] = containers(job)[0]?.command ?? [];
    const script = command.find((a) => a.endsWith('.ts'));
    if (!script || !existsSync(join(REPO_ROOT, script))) problems.push(`migrations Job ${job.metadata.name} runs ${script ?? command.join(' ')}, which is not a file of the repository`);
    for (const s of secrets) {
      if (!hookPhases(s).includes('pre-install') || hookWeight(s) >= hookWeight(job)) problems.push(`Secret ${s.metadata.name} must be a pre-install hook weighted before the migrations Job, or the Job cannot read DATABASE_URL on the first install`);
    }
  }

  // Autoscaling: the HPA scales the pipeline workers on an External (task queue backlog) metric.
  const pipeline = deployments.filter((d) => component(d) === 'pipeline-worker');
  if (pipeline.length !== 1) problems.push(`expected one pipeline worker Deployment, found ${pipeline.length}`);
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
  if (expect.autoscaling) {
    if (hpas.length !== 1) problems.push(`expected one HorizontalPodAutoscaler, found ${hpas.length}`);
    for (const hpa of hpas) {
      const target = hpa.spec?.scaleTargetRef;
      if (hpa.apiVersion !== 'autoscaling/v2') problems.push(`HPA ${hpa.metadata.name} must be autoscaling/v2 (External metrics), is ${hpa.apiVersion}`);
      if (target?.kind !== 'Deployment' || target?.name !== pipeline[0]?.metadata.name) problems.push(`HPA ${hpa.metadata.name} must target the pipeline worker Deployment ${pipeline[0]?.metadata.name}, targets ${target?.kind} ${target?.name}`);
      if (!(hpa.spec?.metrics ?? []).some((m: { type: string }) => m.type === 'External')) problems.push(`HPA ${hpa.metadata.name} has no External (task queue backlog) metric`);
    }
    if (pipeline[0] && pipeline[0].spec?.replicas !== undefined) problems.push(`pipeline worker Deployment sets replicas while an HPA owns them (each upgrade would reset the scale)`);
  }

  // Every pod runs as non-root; a TLS file env points into a mounted Secret.
  for (const w of workloads) {
    if (podSpec(w)?.securityContext?.runAsNonRoot !== true) problems.push(`${w.kind} ${w.metadata.name} does not set runAsNonRoot`);
    for (const c of containers(w)) {
      for (const e of envOf(c).filter((x) => ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA'].includes(x.name))) {
        const mount = (c.volumeMounts ?? []).find((m: { mountPath: string }) => String(e.value).startsWith(`${m.mountPath}/`));
        const volume = mount && (podSpec(w)?.volumes ?? []).find((v: { name: string }) => v.name === mount.name);
        if (!volume?.secret) problems.push(`${w.kind} ${w.metadata.name}: ${e.name}=${e.value} is not inside a mounted Secret volume`);
      }
    }
  }
  return problems;
}
