import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { chartInvariantProblems, parseManifests, type ChartExpectations, type GpuPoolExpectation, type K8sObject } from '../src/helm-invariants';
import { loadToolchain, REPO_ROOT } from '../src/toolchain';

// The Helm chart (infra/helm/refinery) linted and rendered with two value sets, and the rendered
// manifests checked for the deployment invariants (infra/src/helm-invariants.ts). Needs only the
// helm binary scripts/bootstrap builds; without it every test fails and says how to get it.

const CHART = join(REPO_ROOT, 'infra/helm/refinery');
const VALUE_SETS: Record<string, string | null> = {
  defaults: null,
  'temporal-cloud-mtls-two-gpu-pools': join(CHART, 'ci/values-cloud-two-pools.yaml'),
};
// helm keeps caches and repository config under these; a scratch home keeps the test hermetic and offline.
const HELM_HOME = mkdtempSync(join(tmpdir(), 'refinery-helm-'));

function helmBinary(): string {
  let helm = process.env.REFINERY_HELM;
  if (!helm) {
    try {
      helm = loadToolchain().helm;
    } catch {
      // toolchain.env absent: reported below as helm missing
    }
  }
  if (!helm) throw new Error('helm is not installed: REFINERY_HELM is not in .data/toolchain.env. Run `bash scripts/bootstrap` (it builds helm v3.22.0 with go install into ~/.cache/refinery/bin).');
  try {
    accessSync(helm, constants.X_OK);
  } catch {
    throw new Error(`helm is not executable at ${helm} (REFINERY_HELM from .data/toolchain.env). Run \`bash scripts/bootstrap\` to build it again.`);
  }
  return helm;
}

let helm: string | undefined;
function runHelm(args: string[], input?: string): { ok: boolean; stdout: string; stderr: string } {
  const env = { ...process.env, HELM_CACHE_HOME: join(HELM_HOME, 'cache'), HELM_CONFIG_HOME: join(HELM_HOME, 'config'), HELM_DATA_HOME: join(HELM_HOME, 'data') };
  // Looked up on each use, not in a hook: without helm every test fails with the message, none is skipped.
  helm ??= helmBinary();
  const r = spawnSync(helm, args, { encoding: 'utf8', env, input, timeout: 60_000 });
  if (r.error) throw r.error;
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}
const valueArgs = (file: string | null) => (file ? ['-f', file] : []);

function render(file: string | null): K8sObject[] {
  const r = runHelm(['template', 'refinery', CHART, '--namespace', 'refinery', ...valueArgs(file)]);
  if (!r.ok) throw new Error(`helm template failed:\n${r.stderr}`);
  return parseManifests(r.stdout);
}

/** What the values ask for (the file over the chart's defaults), for the invariants to hold it to. */
function expectations(file: string | null): ChartExpectations {
  const defaults = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
  const override = file ? parse(readFileSync(file, 'utf8')) : {};
  const pools: GpuPoolExpectation[] = override.gpuWorkers?.pools ?? defaults.gpuWorkers.pools;
  return { gpuPools: pools, autoscaling: override.pipelineWorker?.autoscaling?.enabled ?? defaults.pipelineWorker.autoscaling.enabled };
}

const gpuWorkers = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'gpu-worker');

describe('Helm chart infra/helm/refinery', () => {
  for (const [name, file] of Object.entries(VALUE_SETS)) {
    it(`helm lint --strict passes with the ${name} values`, () => {
      const r = runHelm(['lint', '--strict', CHART, ...valueArgs(file)]);
      expect(r.ok, `${r.stdout}\n${r.stderr}`).toBe(true);
    });

    it(`helm template with the ${name} values renders manifests that keep every invariant`, () => {
      const objects = render(file);
      const expect_ = expectations(file);
      expect(chartInvariantProblems(objects, expect_)).toEqual([]);
      // The checks looked at something: every kind the chart promises is there.
      const kinds = new Set(objects.map((o) => o.kind));
      for (const kind of ['Deployment', 'Service', 'Ingress', 'HorizontalPodAutoscaler', 'Job', 'ConfigMap']) expect(kinds).toContain(kind);
      expect(gpuWorkers(objects).length).toBe(expect_.gpuPools.length);
    });
  }

  it('the two-pool values render two GPU pools, mTLS to Temporal Cloud and the chart-written Secret', () => {
    const objects = render(VALUE_SETS['temporal-cloud-mtls-two-gpu-pools']!);
    const pools = gpuWorkers(objects).map((d) => d.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'GPU_POOL').value);
    expect(pools.sort()).toEqual(['a100', 'l4']);
    const a100 = gpuWorkers(objects).find((d) => d.metadata.name.endsWith('gpu-a100'))!;
    expect(a100.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(2);
    const env = Object.fromEntries(a100.spec.template.spec.containers[0].env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toMatchObject({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_CERT: expect.stringMatching(/tls\.crt$/), TEMPORAL_TLS_KEY: expect.stringMatching(/tls\.key$/) });
    const config = objects.find((o) => o.kind === 'ConfigMap')!;
    expect(config.data).toMatchObject({ TEMPORAL_ADDRESS: 'refinery-prod.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'refinery-prod.a1b2c', REFINERY_OIDC_ISSUER: 'https://login.acme.example/realms/main' });
    expect(objects.filter((o) => o.kind === 'Secret').map((s) => Object.keys(s.stringData ?? {}))).toEqual([expect.arrayContaining(['DATABASE_URL', 'REFINERY_PAYLOAD_KEYS', 'REFINERY_AUTH_SECRET'])]);
  });

  describe('the invariant check fails on a broken manifest', () => {
    let base: K8sObject[];
    const expect_ = () => expectations(null);
    beforeAll(() => {
      base = render(null);
    });
    const mutated = (change: (objects: K8sObject[]) => void) => {
      const copy = structuredClone(base);
      change(copy);
      return chartInvariantProblems(copy, expect_());
    };

    it('when the GPU worker loses its GPU request', () => {
      const problems = mutated((objects) => {
        const resources = gpuWorkers(objects)[0]!.spec.template.spec.containers[0].resources;
        delete resources.requests['nvidia.com/gpu'];
        delete resources.limits['nvidia.com/gpu'];
      });
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/GPU worker .* does not request nvidia\.com\/gpu/), expect.stringMatching(/does not limit nvidia\.com\/gpu/)]));
    });

    it("when the GPU worker loses its pool's toleration or GPU_POOL", () => {
      expect(mutated((objects) => (gpuWorkers(objects)[0]!.spec.template.spec.tolerations = []))).toEqual([expect.stringMatching(/lacks pool "default"'s toleration/)]);
      const problems = mutated((objects) => {
        const c = gpuWorkers(objects)[0]!.spec.template.spec.containers[0];
        c.env = c.env.filter((e: { name: string }) => e.name !== 'GPU_POOL');
      });
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/no GPU_POOL env/)]));
    });

    it('when a secret is inlined in the ConfigMap or the pod spec', () => {
      expect(mutated((objects) => (objects.find((o) => o.kind === 'ConfigMap')!.data!.DATABASE_URL = 'postgres://u:p@db/refinery'))).toEqual([expect.stringMatching(/ConfigMap .* holds DATABASE_URL/)]);
      const problems = mutated((objects) => {
        const web = objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-web'))!;
        const env = web.spec.template.spec.containers[0].env;
        env[env.findIndex((e: { name: string }) => e.name === 'REFINERY_AUTH_SECRET')] = { name: 'REFINERY_AUTH_SECRET', value: 'x'.repeat(40) };
      });
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/env REFINERY_AUTH_SECRET must come from a Secret/)]));
    });

    it('when the probes, the migrations hook or the HPA target drift', () => {
      expect(
        mutated((objects) => {
          const web = objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-web'))!;
          web.spec.template.spec.containers[0].readinessProbe.httpGet.path = '/api/v1/healthz';
        }),
      ).toEqual([expect.stringMatching(/readinessProbe path \/api\/v1\/healthz has no route/)]);
      expect(mutated((objects) => (objects.find((o) => o.kind === 'Job')!.metadata.annotations!['helm.sh/hook'] = 'post-install'))).toEqual(
        expect.arrayContaining([expect.stringMatching(/not a pre-upgrade hook/)]),
      );
      expect(
        mutated((objects) => {
          const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler')!;
          hpa.spec.scaleTargetRef.name = objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-web'))!.metadata.name;
        }),
      ).toEqual([expect.stringMatching(/must target the pipeline worker Deployment/)]);
    });
  });

  it('helm refuses a GPU pool without GPUs, or with a name that cannot be a task queue', () => {
    const pool = (extra: string) => `gpuWorkers:\n  pools:\n    - name: default\n      replicas: 1\n${extra}`;
    const noGpus = runHelm(['template', 'refinery', CHART, '-f', '-'], pool('      gpusPerWorker: 0\n'));
    expect(noGpus.ok).toBe(false);
    expect(noGpus.stderr).toMatch(/gpusPerWorker must be at least 1/);
    const badName = runHelm(['template', 'refinery', CHART, '-f', '-'], 'gpuWorkers:\n  pools:\n    - name: A100_big\n      replicas: 1\n');
    expect(badName.ok).toBe(false);
    expect(badName.stderr).toMatch(/name "A100_big" must be lowercase letters, digits and dashes/);
  });
});

describe('container build files infra/docker', () => {
  const dockerfile = (name: string) => readFileSync(join(REPO_ROOT, 'infra/docker', `${name}.Dockerfile`), 'utf8');
  const instructions = (text: string) =>
    text
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => ({ op: l.split(/\s+/)[0]!.toUpperCase(), args: l.slice(l.indexOf(' ') + 1).trim() }));
  /** The instructions of the image that ships: those after the last FROM. */
  const finalStage = (text: string) => {
    const all = instructions(text);
    const from = all.map((i) => i.op).lastIndexOf('FROM');
    return { from: all[from]!.args, rest: all.slice(from + 1) };
  };

  for (const [name, entry] of [
    ['web', 'node_modules/next/dist/bin/next'],
    ['pipeline-worker', 'workers/pipeline/src/main.ts'],
    ['gpu-worker', 'workers/gpu/src/main.ts'],
  ] as const) {
    it(`${name}: runs as a non-root user and starts a file that exists`, () => {
      const { rest } = finalStage(dockerfile(name));
      const user = rest.filter((i) => i.op === 'USER').at(-1)?.args;
      expect(user, 'the final stage needs a USER').toBeDefined();
      expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
      const cmd = JSON.parse(rest.filter((i) => i.op === 'CMD').at(-1)!.args) as string[];
      expect(cmd.join(' ')).toContain(entry.replace('node_modules/', ''));
      expect(existsSync(join(REPO_ROOT, name === 'web' ? 'apps/web/app' : entry))).toBe(true);
    });
  }

  it('the GPU worker image is built on a CUDA base and installs the trainer from its pinned requirements', () => {
    const text = dockerfile('gpu-worker');
    expect(finalStage(text).from).toMatch(/^nvidia\/cuda:[\d.]+-(cudnn-)?runtime-/);
    expect(text).toContain('pip install --no-cache-dir -r workers/trainer/requirements.txt');
    expect(existsSync(join(REPO_ROOT, 'workers/trainer/requirements.txt'))).toBe(true);
  });

  it('the chart migrations Job runs a script the pipeline worker image carries', () => {
    expect(readFileSync(join(CHART, 'templates/migrations-job.yaml'), 'utf8')).toMatch(/images\.pipelineWorker[\s\S]*packages\/db\/src\/migrate-main\.ts/);
    expect(instructions(dockerfile('pipeline-worker')).some((i) => i.op === 'COPY' && i.args.startsWith('. '))).toBe(true);
  });
});
