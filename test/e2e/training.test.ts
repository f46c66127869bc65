import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import pg from 'pg';
import { defaultPayloadConverter } from '@temporalio/common';
import { loadConfig, type MetricPoint, type ProjectUsage, type RunDetail, type TrainHeartbeat, type TrainResult, type UsagePrice } from '@refinery/core';
import { payloadCodecFromConfig } from '@refinery/temporal';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { detectGpuCount } from '../../workers/gpu/src/device';
import { api, DEMO_SPEC, sessionOf, stackEnv, submitYaml, temporalClient, waitForRun } from '../support/api';

/**
 * The demo spec with training settings overridden (small step counts keep CPU runs short), ending
 * at the adapter: merge, quantization and evaluation have their own suite (model-pipeline.test.ts).
 */
function trainingSpec(name: string, training: Record<string, unknown>): string {
  const spec = parse(DEMO_SPEC);
  delete spec.quantization;
  delete spec.evaluation;
  spec.name = name;
  spec.training = { ...spec.training, ...training };
  return stringify(spec);
}

/** The train activity's latest heartbeat and the worker running it, from Temporal (heartbeats are encrypted: decoded with the stack's keys). */
async function pendingTrain(runId: string): Promise<{ heartbeat: TrainHeartbeat | null; workerPid: number | null; attempt: number } | null> {
  const d = await (await temporalClient()).workflow.getHandle(runId).describe();
  const pending = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'trainLora');
  if (!pending) return null;
  const sealed = pending.heartbeatDetails?.payloads?.[0];
  const payload = sealed ? (await payloadCodecFromConfig(loadConfig(['REFINERY_PAYLOAD_KEYS', 'REFINERY_PAYLOAD_KEY_ID'], stackEnv())).decode([sealed]))[0] : undefined;
  return {
    heartbeat: payload ? (defaultPayloadConverter.fromPayload(payload) as TrainHeartbeat) : null,
    workerPid: pending.lastWorkerIdentity ? Number(pending.lastWorkerIdentity.split('@')[0]) : null,
    attempt: pending.attempt ?? 1,
  };
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

/** The trainer processes a GPU worker runs (its other children, e.g. tsx's esbuild service, are not). */
const trainerPids = (workerPid: number): number[] => {
  let children: number[];
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(workerPid)], { encoding: 'utf8' }).split('\n').map(Number).filter(Boolean);
  } catch {
    return [];
  }
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('refinery_trainer');
    } catch {
      return false;
    }
  });
};
/** Running (a zombie awaiting its reaper counts as gone: it no longer computes anything). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

const extraWorkers: ChildProcess[] = [];
function startGpuWorker(pool: string): ChildProcess {
  const log = openSync(join(REPO_ROOT, '.data', `test-gpu-${pool}-${extraWorkers.length}.log`), 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/gpu/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...stackEnv(), GPU_POOL: pool, TRAINER_KILL_GRACE_MS: '5000' },
    stdio: ['ignore', log, log],
  });
  extraWorkers.push(child);
  return child;
}
afterAll(() => {
  for (const w of extraWorkers) if (w.exitCode === null) w.kill('SIGKILL');
});

/**
 * Cost accounting: every attempt of the run has its usage, measured by its worker: the trainer's
 * own CPU time for train, GPU-seconds = wall × the GPUs the job held (0 on a CPU-only host), the
 * cost at the configured prices; the run's totals and the project usage API add up.
 */
async function expectUsageRecorded(run: RunDetail, price: { gpuHourPrice: number; cpuHourPrice: number }) {
  const gpusPerJob = detectGpuCount(stackEnv().REFINERY_PYTHON!) > 0 ? 1 : 0;
  for (const s of run.stages) {
    const u = s.usage;
    expect(u, `${s.stage} usage`).not.toBeNull();
    expect(u!.wallSeconds!, s.stage).toBeGreaterThan(0);
    expect(u!.wallSeconds! * 1000, s.stage).toBeLessThanOrEqual(s.durationMs! + 1000);
    expect(u!.cpuSeconds!, s.stage).toBeGreaterThanOrEqual(0);
    if (s.stage === 'train') {
      expect([u!.queue, u!.cpuMeasure, u!.gpus]).toEqual(['refinery-gpu-default', 'trainer-rusage', gpusPerJob]);
      expect(u!.gpuSeconds).toBeCloseTo(u!.wallSeconds! * gpusPerJob, 9);
      // torch's import alone takes over a second of CPU; 12 steps on CPU many more
      expect(u!.cpuSeconds!).toBeGreaterThan(1);
      expect([u!.gpuHourPrice, u!.cpuHourPrice]).toEqual([price.gpuHourPrice, price.cpuHourPrice]);
      expect(u!.cost!).toBeCloseTo((u!.gpuSeconds! / 3600) * price.gpuHourPrice + (u!.cpuSeconds! / 3600) * price.cpuHourPrice, 9);
      expect(u!.cost!).toBeGreaterThan(0);
    } else {
      expect([u!.queue, u!.cpuMeasure, u!.gpus, u!.gpuSeconds], s.stage).toEqual(['refinery-pipeline', 'worker-share', 0, 0]);
    }
  }
  // The figures, for the record (the issue's closing note quotes them).
  console.info(`usage of ${run.id}: ${run.stages.map((s) => `${s.stage} wall ${s.usage!.wallSeconds!.toFixed(2)} s, CPU ${s.usage!.cpuSeconds!.toFixed(2)} s (${s.usage!.cpuMeasure}), GPU ${s.usage!.gpuSeconds!.toFixed(2)} s, cost ${s.usage!.cost!.toFixed(6)}`).join('; ')}; total ${JSON.stringify(run.usage)}`);
  const sum = (f: (u: NonNullable<RunDetail['stages'][number]['usage']>) => number) => run.stages.reduce((a, s) => a + f(s.usage!), 0);
  expect(run.usage.attempts).toBe(run.stages.length);
  expect(run.usage.unmeasuredAttempts).toBe(0);
  expect(run.usage.cpuSeconds).toBeCloseTo(sum((u) => u.cpuSeconds!), 9);
  expect(run.usage.gpuSeconds).toBeCloseTo(sum((u) => u.gpuSeconds!), 9);
  expect(run.usage.cost).toBeCloseTo(sum((u) => u.cost!), 12);

  // The project's usage since just before the run: this run with the same totals, and totals that are the sum of its runs.
  const from = new Date(new Date(run.createdAt).getTime() - 1).toISOString();
  const res = await api('GET', `/api/v1/projects/${run.project}/usage?from=${encodeURIComponent(from)}`);
  expect(res.status).toBe(200);
  const usage = res.body as ProjectUsage;
  const mine = usage.runs.find((r) => r.runId === run.id);
  expect(mine).toMatchObject({ name: run.name, attempts: run.usage.attempts, unmeasuredAttempts: 0 });
  expect(mine!.cpuSeconds).toBeCloseTo(run.usage.cpuSeconds, 9);
  expect(mine!.cost).toBeCloseTo(run.usage.cost, 12);
  for (const k of ['cpuSeconds', 'gpuSeconds', 'cost', 'attempts', 'unmeasuredAttempts'] as const) {
    expect(usage.totals[k], k).toBeCloseTo(usage.runs.reduce((a, r) => a + r[k], 0), 9);
  }
  expect((await api('GET', `/api/v1/projects/${run.project}/usage?from=yesterday`)).body.error.code).toBe('invalid_query');
  const prices = (await api('GET', '/api/v1/usage/prices')).body.prices as UsagePrice[];
  expect(prices.find((p) => p.queue === 'refinery-gpu-default')).toMatchObject({ ...price, updatedBy: expect.stringMatching(/^user:/) });

  // A later price change applies to attempts recorded from then on: this run's cost stays what it was.
  const later = { gpuHourPrice: price.gpuHourPrice * 2, cpuHourPrice: price.cpuHourPrice * 2 };
  expect((await api('PUT', '/api/v1/usage/prices/refinery-gpu-default', { as: sessionOf('admin'), body: JSON.stringify(later), headers: { 'content-type': 'application/json' } })).status).toBe(200);
  const again = (await api('GET', `/api/v1/runs/${run.id}`)).body as RunDetail;
  expect(again.usage).toEqual(run.usage);
  expect(again.stages.find((s) => s.stage === 'train')!.usage).toEqual(run.stages.find((s) => s.stage === 'train')!.usage);
  // only instance admins set prices
  expect((await api('PUT', '/api/v1/usage/prices/refinery-gpu-default', { as: 'admin', body: JSON.stringify(price), headers: { 'content-type': 'application/json' } })).status).toBe(403);
}

describe('training on GPU workers (CPU here) through the real stack', () => {
  it('runs ingest → redact → split → train, streams metrics and records the adapter with lineage', async () => {
    // Prices for the default GPU pool, set by an instance admin before the run: its attempts are recorded at them.
    const price = { gpuHourPrice: 3.5, cpuHourPrice: 0.25 };
    const set = await api('PUT', '/api/v1/usage/prices/refinery-gpu-default', { as: sessionOf('admin'), body: JSON.stringify(price), headers: { 'content-type': 'application/json' } });
    expect(set.status).toBe(200);
    // packed (the default for chat data; the demo spec opts out): ~550 records fill ~170 rows, 22 steps of 8 rows per epoch
    const res = await submitYaml(trainingSpec('train-e2e', { maxSteps: 12, checkpointEvery: 5, epochs: 1, packing: true }));
    expect(res.status).toBe(201);
    const run = await waitForRun(res.body.id, undefined, 240_000);
    await expectUsageRecorded(run, price);
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    expect(run.stages.map((s) => [s.stage, s.status])).toEqual([
      ['ingest', 'succeeded'],
      ['redact', 'succeeded'],
      ['split', 'succeeded'],
      ['train', 'succeeded'],
    ]);
    const split = run.stages[2]!.metrics as { trainRecords: number; evalRecords: number };
    expect(split.trainRecords + split.evalRecords).toBe(600);
    expect(split.evalRecords).toBeGreaterThan(30);
    const train = run.stages[3]!.metrics as unknown as TrainResult['report'];
    expect(train.steps).toBe(12);
    expect(train.evalLoss).toBeLessThan(train.baseEvalLoss!);
    // packing, precision and memory reach the report from the trainer's metrics.json
    expect(train.packing).toBe(true);
    expect(train.trainRows).toBeGreaterThan(0);
    expect(train.trainRows!).toBeLessThan(split.trainRecords / 2);
    expect(train.paddingFraction).toBeGreaterThanOrEqual(0);
    expect(train.paddingFraction!).toBeLessThan(0.5);
    expect(train.realTokens).toBeGreaterThan(12 * 8 * 100);
    expect(train.realTokensPerSecond).toBeGreaterThan(0);
    expect(train.peakMemoryBytes).toBeGreaterThan(0);
    expect(train.precision).toBe('float32');
    expect([train.microBatchSize, train.microBatchesPerStep, train.gradientCheckpointing, train.quantizeBase]).toEqual([8, 1, false, null]);
    expect(run.artifacts.map((a) => a.kind).sort()).toEqual(['adapter', 'eval_split', 'raw_dataset', 'redacted_dataset', 'redaction_report', 'train_split']);

    const { points } = (await api('GET', `/api/v1/runs/${run.id}/metrics`)).body as { points: MetricPoint[] };
    expect(points.filter((p) => p.kind === 'train').map((p) => p.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(points.some((p) => p.kind === 'eval' && p.step === 0)).toBe(true);
    // every step's padding fraction, real-token throughput and peak memory are live metrics; the
    // whole run's padding (total pad / total positions) is a weighted mean of the steps', so it lies between them
    const steps = points.filter((p) => p.kind === 'train');
    for (const p of steps) {
      expect(p.paddingFraction, `step ${p.step}`).toBeGreaterThanOrEqual(0);
      expect(p.paddingFraction!, `step ${p.step}`).toBeLessThan(0.5);
      expect(p.tokensPerSecond, `step ${p.step}`).toBeGreaterThan(0);
      expect(p.peakMemoryBytes, `step ${p.step}`).toBeGreaterThan(0);
      expect([p.rewardAccuracy, p.rewardMargin]).toEqual([null, null]);
    }
    const paddings = steps.map((p) => p.paddingFraction!);
    expect(train.paddingFraction!).toBeGreaterThanOrEqual(Math.min(...paddings) - 1e-4);
    expect(train.paddingFraction!).toBeLessThanOrEqual(Math.max(...paddings) + 1e-4);
    const later = (await api('GET', `/api/v1/runs/${run.id}/metrics?afterStep=10`)).body.points as MetricPoint[];
    expect(later.every((p) => p.step > 10)).toBe(true);

    // Lineage in Postgres: raw → redacted → train/eval splits → adapter.
    const db = new pg.Client({ connectionString: stackEnv().DATABASE_URL });
    await db.connect();
    const edges = await db.query(
      `select f.kind as "from", e.relation, t.kind as "to" from lineage_edges e
         join artifacts f on f.id = e.from_artifact_id join artifacts t on t.id = e.to_artifact_id
        where e.run_id = $1 order by e.id`,
      [run.id],
    );
    await db.end();
    expect(edges.rows).toEqual([
      { from: 'raw_dataset', relation: 'redacted_from', to: 'redacted_dataset' },
      { from: 'redacted_dataset', relation: 'reported_by', to: 'redaction_report' },
      { from: 'redacted_dataset', relation: 'train_split_of', to: 'train_split' },
      { from: 'redacted_dataset', relation: 'eval_split_of', to: 'eval_split' },
      { from: 'train_split', relation: 'trained_on', to: 'adapter' },
      { from: 'eval_split', relation: 'evaluated_on', to: 'adapter' },
    ]);

    // The worker removed its per-attempt scratch directory.
    const scratchRoot = join(tmpdir(), 'refinery-gpu');
    expect(existsSync(scratchRoot) ? readdirSync(scratchRoot).filter((d) => d.startsWith(run.id)) : []).toEqual([]);

    const result = (await (await temporalClient()).workflow.getHandle(run.id).result()) as { adapterUri: string };
    expect(result.adapterUri).toBe(run.artifacts.find((a) => a.kind === 'adapter')!.uri);
  });

  it('survives kill -9 of the training worker: another worker resumes from the last checkpoint', async () => {
    // Packed (batches of 2 rows: ~85 steps per epoch), so crash-resume is proven on packed rows too.
    const pool = 'failover';
    const workers = [startGpuWorker(pool), startGpuWorker(pool)];
    const res = await submitYaml(trainingSpec('train-failover', { maxSteps: 40, checkpointEvery: 5, epochs: 1, packing: true, batchSize: 2, gpu: { pool, count: 1 } }));
    const runId = res.body.id as string;

    const before = await until(
      'a heartbeat naming a checkpoint',
      async () => {
        const p = await pendingTrain(runId);
        return p?.heartbeat?.checkpoint && p.heartbeat.step > p.heartbeat.checkpoint.step && p.workerPid ? p : null;
      },
      180_000,
    );
    const victim = before.workerPid!;
    expect(workers.map((w) => w.pid)).toContain(victim);
    const orphans = trainerPids(victim);
    expect(orphans.length).toBe(1);
    process.kill(victim, 'SIGKILL');
    // The orphaned trainer gets SIGTERM from the kernel (parent-death signal) and exits.
    await until('the orphaned trainer to exit', async () => !alive(orphans[0]!), 10_000);

    const run = await waitForRun(runId, undefined, 480_000);
    expect(run.status).toBe('succeeded');
    // One timeline row per attempt: the killed one closed as failed, the last one holds the report.
    const trainRows = run.stages.filter((s) => s.stage === 'train');
    const train = trainRows.at(-1)!.metrics as unknown as TrainResult['report'];
    expect(train.attempt).toBeGreaterThanOrEqual(2);
    expect(trainRows.map((s) => [s.attempt, s.status])).toEqual(trainRows.map((_, i) => [i + 1, i + 1 === train.attempt ? 'succeeded' : 'failed']));
    expect(trainRows[0]!.error).toMatch(/^attempt 1 stopped without reporting/);
    // Cost accounting: the killed attempt's worker never recorded its usage (unmeasured, left out of
    // the totals); the attempt that finished recorded its trainer's CPU time.
    expect(trainRows.slice(0, -1).map((s) => s.usage)).toEqual(trainRows.slice(0, -1).map(() => null));
    expect(trainRows.at(-1)!.usage).toMatchObject({ queue: `refinery-gpu-${pool}`, cpuMeasure: 'trainer-rusage' });
    expect(trainRows.at(-1)!.usage!.cpuSeconds!).toBeGreaterThan(1);
    expect(run.usage.unmeasuredAttempts).toBe(trainRows.length - 1);
    expect(train.resumedFromStep).toBeGreaterThanOrEqual(before.heartbeat!.checkpoint!.step);
    expect(train.resumedFromStep).toBeGreaterThan(0);
    expect(train.steps).toBe(40);
    const { points } = (await api('GET', `/api/v1/runs/${runId}/metrics`)).body as { points: MetricPoint[] };
    expect(new Set(points.filter((p) => p.kind === 'train').map((p) => p.step)).size).toBe(40);
  }, 720_000);

  it('cancelling during training stops the trainer process within 10 s', async () => {
    const res = await submitYaml(trainingSpec('train-cancel', { maxSteps: 2000, epochs: 30, checkpointEvery: 1000, packing: true }));
    const runId = res.body.id as string;
    const p = await until('training to report steps', async () => {
      const pending = await pendingTrain(runId);
      return pending?.heartbeat && pending.heartbeat.step >= 2 && pending.workerPid ? pending : null;
    }, 180_000);
    const [trainerPid] = trainerPids(p.workerPid!);
    expect(trainerPid).toBeGreaterThan(0);

    const cancelledAt = new Date();
    expect((await api('POST', `/api/v1/runs/${runId}/cancel`)).status).toBe(202);
    await until('the trainer process to be gone', async () => !alive(trainerPid!), 10_000).catch((err: Error) => {
      // Say where the time went: the GPU worker logs when it got the cancellation and when the trainer exited.
      const workerLog = readFileSync(join(REPO_ROOT, '.data', 'test-stack.log'), 'utf8').split('\n').filter((l) => l.includes(runId));
      throw new Error(`${err.message} (cancel requested ${cancelledAt.toISOString()}; trainer pid ${trainerPid}):\n${workerLog.join('\n')}`);
    });

    const run = await waitForRun(runId, (r) => r.status === 'cancelled', 30_000);
    expect(run.stages.find((s) => s.stage === 'train')!.status).toBe('cancelled');
    // markRun(cancelled) runs inside the workflow just before it closes: the close may trail the run row by a moment
    const handle = (await temporalClient()).workflow.getHandle(runId);
    await until('the workflow to close as CANCELLED', async () => (await handle.describe()).status.name === 'CANCELLED', 10_000);
  });
});
