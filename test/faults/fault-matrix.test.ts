import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, statfsSync, statSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isTerminalRunStatus, loadConfig, quotaWorkflowId, TASK_QUEUES, validateRunSpec, WORKFLOW_TYPES, type RunSpec } from '@refinery/core';
import { connect, createProject, createRun, getProjectRedactionKey } from '@refinery/db';
import { createJsonlRedactor, splitLines } from '@refinery/redaction';
import { TEMPORAL_CONFIG_KEYS, temporalClientFromConfig } from '@refinery/temporal';
import { loadToolchain, REPO_ROOT, startStack, waitFor, type Stack } from '../../infra/src';
import { DEMO_SPEC } from '../support/specs';
import { attemptsOf, runRows, s3Server, S3_BUCKET, S3_CREDENTIALS, sha256OfFile, timelineProblems, writeTicketDataset, type RunRows } from './fault-support';

/**
 * The fault matrix (issue 14): one private stack (embedded Postgres, the Temporal dev server on
 * a SQLite file so its state survives a restart, a pipeline and a GPU worker, objects in a real
 * S3 server, scratch on a small tmpfs), and one fault per case, in sequence:
 *
 * 1. kill -9 of the pipeline worker in the middle of redacting a large dataset
 * 2. a Temporal server restart in the middle of training
 * 3. Postgres restarts: while the run starts (its project's quota semaphore retries loading the
 *    limits), and in the middle of training
 * 4. the S3 server stopped during a multipart upload, back 10 s later
 * 5. the scratch volume full while the redacted dataset is written
 *
 * Each case asserts its outcome: 0 lost runs (every run reaches the end it should), 0 duplicate
 * artifact or lineage rows, one succeeded attempt per stage and nothing left `running`.
 */
const PROJECT = 'faults';
/** Case 1's dataset: 64 MB went through ingest, redact, verification and second opinion in 31 s on the 2-core CI machine. */
const DATASET_MB = Number(process.env.REFINERY_FAULT_DATASET_MB ?? 128);
const TRAIN_STEPS = 60;
const S3_OUTAGE_MS = 10_000;
const SCRATCH_MB = 256;

const dataDir = join(REPO_ROOT, '.data', 'test-faults');
const scratch = join(dataDir, 'scratch');
const uploads = join(dataDir, 'uploads');
let scratchUnavailable: string | null = null;
let stack: Stack;
let s3: Awaited<ReturnType<typeof s3Server>>;
let database: ReturnType<typeof connect>;
let temporal: Client;
let log: WriteStream;

const unmountScratch = () => {
  try {
    execFileSync('umount', [scratch], { stdio: 'ignore' });
  } catch {
    // not mounted
  }
};

beforeAll(async () => {
  unmountScratch(); // left by an earlier run that was killed
  await rm(dataDir, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  mkdirSync(uploads, { recursive: true });
  // A volume of its own for scratch, so case 5 can fill it without filling the machine's disk.
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SCRATCH_MB}m`, 'refinery-fault-scratch', scratch], { stdio: 'pipe' });
  } catch (err) {
    scratchUnavailable = `could not mount a ${SCRATCH_MB} MB tmpfs on ${scratch} (${(err as Error).message.split('\n')[0]}); the disk-full case needs root (or CAP_SYS_ADMIN)`;
  }
  const { versitygw } = loadToolchain();
  if (!versitygw) throw new Error('versitygw missing: run `bash scripts/bootstrap`');
  s3 = await s3Server(versitygw, join(dataDir, 's3'));
  await s3.start();
  log = createWriteStream(join(REPO_ROOT, '.data', 'test-faults.log'));
  stack = await startStack({
    dataDir,
    persistTemporal: true,
    processes: { pipelineWorker: true, gpuWorker: true, web: false },
    log: (source, line) => log.write(`[${source}] ${line}\n`),
    extraEnv: {
      OBJECT_STORE_URL: `s3://${S3_BUCKET}/objects`,
      S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      REFINERY_SCRATCH_DIR: scratch,
    },
  });
  database = connect(stack.env.DATABASE_URL!, { max: 2 });
  await createProject(database.db, { id: PROJECT });
  temporal = await temporalClientFromConfig(loadConfig(TEMPORAL_CONFIG_KEYS, stack.env));
}, 10 * 60_000);

afterAll(async () => {
  await temporal?.connection.close();
  await database?.close();
  await stack?.stop();
  await s3?.stop();
  unmountScratch();
  // The generated datasets and the S3 copies (some 400 MB); Postgres and the logs stay for a look.
  await rm(uploads, { recursive: true, force: true });
  await rm(join(dataDir, 's3'), { recursive: true, force: true });
  log?.end();
});

// ---- runs: submitted as the API does (a queued row, then the workflow), read back from Postgres

async function submit(spec: object): Promise<{ runId: string; spec: RunSpec }> {
  const checked = validateRunSpec(spec);
  if (!checked.ok) throw new Error(`fixture spec invalid: ${JSON.stringify(checked.issues)}`);
  const { run } = await createRun(database.db, { spec: checked.spec, specSha256: 'fault-matrix', actor: 'system:fault-matrix' });
  await temporal.workflow.start(WORKFLOW_TYPES.fineTuneRun, { workflowId: run.id, taskQueue: TASK_QUEUES.pipeline, args: [{ runId: run.id, spec: checked.spec, submittedBy: 'system:fault-matrix' }] });
  return { runId: run.id, spec: checked.spec };
}

/** A data-only run (ingest, and redact when `redact`) on a dataset under the stack's uploads root. */
const dataSpec = (name: string, path: string, redact: boolean) => ({
  apiVersion: 'refinery/v1',
  kind: 'FineTuneRun',
  project: PROJECT,
  name,
  baseModel: { uri: 'file://examples/models/tiny-llama' },
  dataset: { uri: `file://${path}`, format: 'chat' },
  ...(redact ? { redaction: { action: 'pseudonymize', overrides: { SECRET: 'mask' } } } : {}),
  // Each case faults the stages' own work: none may reuse an earlier case's result.
  cache: NO_STEP_CACHE,
});

const NO_STEP_CACHE = { ingest: false, redact: false, split: false };

/** The demo run up to training: TRAIN_STEPS steps, a checkpoint every 10. */
function trainSpec(name: string) {
  const spec = parse(DEMO_SPEC);
  delete spec.quantization;
  delete spec.evaluation;
  return { ...spec, project: PROJECT, name, cache: NO_STEP_CACHE, training: { ...spec.training, epochs: 1, maxSteps: TRAIN_STEPS, checkpointEvery: 10 } };
}

/** Waits for the run's terminal status (Postgres may be restarting meanwhile), then reads its rows. */
async function waitForEnd(runId: string, timeoutMs: number): Promise<RunRows> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await runRows(database.pool, runId).catch(() => null);
    if (rows?.run && isTerminalRunStatus(rows.run.status)) return rows;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end in ${timeoutMs / 1000}s: ${rows ? `${rows.run?.status}; ${attemptsOf(rows)}` : 'Postgres unreachable'}`);
    await sleep(1000);
  }
}

// ---- where a run is: Temporal's pending activities and retries, the trainer's steps in Postgres,
// the redaction's output growing in scratch. (Not heartbeat details: the SDK sends those at most
// every 0.8 × heartbeatTimeout, 24 s for redact, too coarse to find the middle of a stage.)

/** The attempt Temporal is on for a pending activity of the run, or 0 when none is pending. */
async function pendingAttempt(runId: string, activityType: string): Promise<number> {
  const { raw } = await temporal.workflow.getHandle(runId).describe();
  return raw.pendingActivities?.find((a) => a.activityType?.name === activityType)?.attempt ?? 0;
}

/** `activity#attempt` for every activity attempt above the first in the run's history. */
async function retriedActivities(runId: string): Promise<string[]> {
  const history = await temporal.workflow.getHandle(runId).fetchHistory();
  const types = new Map<string, string>();
  const retried: string[] = [];
  for (const e of history.events ?? []) {
    if (e.activityTaskScheduledEventAttributes) types.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) retried.push(`${types.get(String(started.scheduledEventId))}#${started.attempt}`);
  }
  return retried;
}

async function trainSteps(runId: string): Promise<number[]> {
  const { rows } = await database.pool.query<{ step: number }>(`SELECT step FROM training_metrics WHERE run_id = $1 AND kind = 'train' ORDER BY step`, [runId]);
  return rows.map((r) => r.step);
}

/** Waits until the trainer has reported `step` steps, and returns the latest step. */
async function waitForTrainStep(runId: string, step: number): Promise<number> {
  let latest = 0;
  await waitFor(`run ${runId} to train ${step} steps`, async () => (latest = Math.max(0, ...(await trainSteps(runId)))) >= step, 6 * 60_000, { intervalMs: 200 });
  return latest;
}

/** The redact attempt's directory in scratch and the bytes of redacted output in it so far. */
function redactionInScratch(): { dir: string; bytes: number } | null {
  for (const dir of readdirSync(scratch).filter((d) => d.startsWith('refinery-redact-'))) {
    try {
      return { dir: join(scratch, dir), bytes: statSync(join(scratch, dir, 'redacted.jsonl')).size };
    } catch {
      // not created yet, or removed as the attempt ended
    }
  }
  return null;
}

const report = (line: string) => console.log(`[fault matrix] ${line}`);

describe('fault matrix: kill, restart and starve each piece under a run; 0 lost runs, 0 duplicate rows', () => {
  it('1. kill -9 of the pipeline worker mid-redaction: the retry stores the same redacted dataset, no duplicate rows', { timeout: 15 * 60_000 }, async () => {
    const file = join(uploads, 'large-tickets.jsonl');
    const generated = await writeTicketDataset(file, DATASET_MB, 'large');
    const { runId, spec } = await submit(dataSpec('fault-kill-redaction', file, true));

    // Mid-way: a quarter of the redacted output is written in scratch.
    let redacting: ReturnType<typeof redactionInScratch> = null;
    await waitFor('the redaction to be a quarter through', async () => ((redacting = redactionInScratch())?.bytes ?? 0) >= generated.bytes / 4, 10 * 60_000, { intervalMs: 100 });
    const written = redacting!.bytes;
    expect(written, 'still redacting when killed').toBeLessThan(generated.bytes * 0.9);
    const worker = stack.children.get('pipeline')!;
    worker.kill('SIGKILL');
    const killedAt = Date.now();
    // A supervisor (Kubernetes) starts the worker again; Temporal retries the attempt once its heartbeat times out.
    await stack.restart('pipeline');
    // The new worker removed the dead attempt's partial output before taking work.
    expect(existsSync(redacting!.dir), `${redacting!.dir} left in scratch`).toBe(false);

    const rows = await waitForEnd(runId, 12 * 60_000);
    expect(rows.run?.status, attemptsOf(rows)).toBe('succeeded');
    expect(timelineProblems(rows, ['ingest', 'redact'])).toEqual([]);
    const redactAttempts = rows.stages.filter((s) => s.stage === 'redact');
    expect(redactAttempts.length, 'the killed attempt and its retry').toBeGreaterThanOrEqual(2);
    expect(redactAttempts[0]!.status, 'the killed attempt is closed, not left running').toBe('failed');

    // The retry's output is what an undisturbed redaction of the same file gives (the engine run
    // here with the run's policy and the project's key), and the object store holds exactly that.
    const redacted = rows.artifacts.filter((a) => a.kind === 'redacted_dataset');
    expect(redacted).toHaveLength(1);
    const redactor = createJsonlRedactor({ policy: spec.redaction!, format: 'chat', projectKey: await getProjectRedactionKey(database.db, PROJECT) });
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const line of redactor.redact(splitLines(createReadStream(file)))) {
      const chunk = Buffer.from(`${line}\n`);
      hash.update(chunk);
      bytes += chunk.length;
    }
    const reference = hash.digest('hex');
    expect(redacted[0]!.sha256).toBe(reference);
    expect(Number(redacted[0]!.bytes)).toBe(bytes);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: S3_BUCKET, Key: `objects/sha256/${reference.slice(0, 2)}/${reference}` }));
    expect(head.ContentLength).toBe(bytes);
    const redactEdges = await database.pool.query(`SELECT 1 FROM lineage_edges WHERE run_id = $1 AND stage = 'redact'`, [runId]);
    expect(redactEdges.rowCount, 'redacted_from + reported_by, once each').toBe(2);
    report(
      `case 1: ${(generated.bytes / 1048576).toFixed(1)} MB, ${generated.records} records; killed with ${(written / 1048576).toFixed(1)} MB of redacted output written; ` +
        `run succeeded ${((Date.now() - killedAt) / 1000).toFixed(0)} s after the kill; attempts: ${attemptsOf(rows)}; redacted sha256 ${reference.slice(0, 12)}… = reference`,
    );
  });

  it('2. Temporal server restart mid-training: the run completes', { timeout: 10 * 60_000 }, async () => {
    const { runId } = await submit(trainSpec('fault-temporal-restart'));
    const step = await waitForTrainStep(runId, 2);
    expect(step, 'training still going when Temporal stops').toBeLessThan(TRAIN_STEPS);
    const down = Date.now();
    await stack.restart('temporal', () => sleep(3000));
    const outage = Date.now() - down;

    const rows = await waitForEnd(runId, 8 * 60_000);
    expect(rows.run?.status, attemptsOf(rows)).toBe('succeeded');
    expect(timelineProblems(rows, ['ingest', 'redact', 'split', 'train'])).toEqual([]);
    expect(rows.artifacts.filter((a) => a.kind === 'adapter')).toHaveLength(1);
    expect(Math.max(...(await trainSteps(runId)))).toBe(TRAIN_STEPS);
    report(`case 2: Temporal down ${(outage / 1000).toFixed(1)} s from step ${step}; attempts: ${attemptsOf(rows)}; retried activities: ${(await retriedActivities(runId)).join(', ') || 'none'}`);
  });

  it('3. Postgres restarts (as the run starts, and mid-training): the projection retries, the timeline is consistent', { timeout: 10 * 60_000 }, async () => {
    const checked = validateRunSpec(trainSpec('fault-postgres-restart'));
    if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
    const { run } = await createRun(database.db, { spec: checked.spec, specSha256: 'fault-matrix', actor: 'system:fault-matrix' });
    const runId = run.id;
    // Outage 1: the workflow starts while Postgres is down. Its first read of Postgres is its
    // project's quota semaphore loading the limits (before the run may compute), which must retry.
    const semaphore = quotaWorkflowId(PROJECT);
    await stack.restart('postgres', async () => {
      await temporal.workflow.start(WORKFLOW_TYPES.fineTuneRun, { workflowId: runId, taskQueue: TASK_QUEUES.pipeline, args: [{ runId, spec: checked.spec, submittedBy: 'system:fault-matrix' }] });
      await waitFor('the quota semaphore to retry loading the limits while Postgres is down', async () => (await pendingAttempt(semaphore, 'loadQuotaLimits').catch(() => 0)) >= 2, 2 * 60_000, { intervalMs: 250 });
    });
    // Outage 2: mid-training (the GPU worker's metric writes and heartbeats go on meanwhile).
    const step = await waitForTrainStep(runId, 2);
    expect(step, 'training still going when Postgres stops').toBeLessThan(TRAIN_STEPS);
    await stack.restart('postgres', () => sleep(5000));

    const rows = await waitForEnd(runId, 8 * 60_000);
    expect(rows.run?.status, attemptsOf(rows)).toBe('succeeded');
    expect(timelineProblems(rows, ['ingest', 'redact', 'split', 'train'])).toEqual([]);
    expect(rows.artifacts.filter((a) => a.kind === 'adapter')).toHaveLength(1);
    const retried = [...(await retriedActivities(semaphore)), ...(await retriedActivities(runId))];
    expect(retried.some((r) => r.startsWith('loadQuotaLimits#')), `retried: ${retried.join(', ')}`).toBe(true);
    // Every training step's point is in Postgres, those written during the outage included.
    const steps = await trainSteps(runId);
    expect(steps).toEqual(Array.from({ length: TRAIN_STEPS }, (_, i) => i + 1));
    report(`case 3: second outage from step ${step}; attempts: ${attemptsOf(rows)}; retried activities: ${retried.join(', ')}; ${steps.length} of ${TRAIN_STEPS} metric points`);
  });

  it('4. S3 server stopped during an upload: the stage retries and succeeds when it is back', { timeout: 8 * 60_000 }, async () => {
    const file = join(uploads, 's3-outage.jsonl');
    const generated = await writeTicketDataset(file, 40, 's3-outage');
    const before = new Set(s3.uploadsWithParts());
    const { runId } = await submit(dataSpec('fault-s3-outage', file, false));
    // The ingest's multipart upload of the raw dataset has parts on the server: stop it now.
    await waitFor('a multipart upload with parts on the S3 server', async () => s3.uploadsWithParts().some((u) => !before.has(u)), 5 * 60_000, { intervalMs: 10 });
    await s3.stop();
    await sleep(S3_OUTAGE_MS);
    await s3.start();

    const rows = await waitForEnd(runId, 5 * 60_000);
    expect(rows.run?.status, attemptsOf(rows)).toBe('succeeded');
    expect(timelineProblems(rows, ['ingest'])).toEqual([]);
    const ingest = rows.stages.filter((s) => s.stage === 'ingest');
    expect(ingest.length, 'a failed attempt during the outage, then the one that succeeded').toBeGreaterThanOrEqual(2);
    const raw = rows.artifacts.filter((a) => a.kind === 'raw_dataset');
    expect(raw).toHaveLength(1);
    const sha = await sha256OfFile(file);
    expect(raw[0]!.sha256).toBe(sha);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: S3_BUCKET, Key: `objects/sha256/${sha.slice(0, 2)}/${sha}` }));
    expect(head.ContentLength).toBe(generated.bytes);
    report(`case 4: ${(generated.bytes / 1048576).toFixed(1)} MB upload, S3 down ${S3_OUTAGE_MS / 1000} s; attempts: ${attemptsOf(rows)}`);
  });

  it('5. scratch volume full: the run fails with a clear error and records nothing half-written', { timeout: 8 * 60_000 }, async (ctx) => {
    if (scratchUnavailable) {
      console.warn(`[fault matrix] case 5 skipped: ${scratchUnavailable}`);
      ctx.skip();
    }
    const file = join(uploads, 'disk-full.jsonl');
    await writeTicketDataset(file, 8, 'disk-full');
    // Fill the volume up to 1 MiB: the ~8 MB redacted dataset cannot be written.
    const filler = join(scratch, 'filler');
    const free = () => {
      const s = statfsSync(scratch);
      return s.bavail * s.bsize;
    };
    execFileSync('fallocate', ['-l', String(free() - 1024 * 1024), filler]);
    try {
      const { runId } = await submit(dataSpec('fault-disk-full', file, true));
      const rows = await waitForEnd(runId, 6 * 60_000);
      expect(rows.run?.status, attemptsOf(rows)).toBe('failed');
      const clear = /^no space left on device while writing the redacted dataset to the scratch directory .+ on pipeline worker .+; nothing was recorded for this attempt\. Free space there or point REFINERY_SCRATCH_DIR at a larger volume$/;
      expect(rows.run?.error).toMatch(clear);
      const redact = rows.stages.filter((s) => s.stage === 'redact');
      expect(redact.length).toBeGreaterThanOrEqual(1);
      for (const attempt of redact) {
        expect(attempt.status).toBe('failed');
        expect(attempt.error).toMatch(clear);
      }
      expect(rows.stages.filter((s) => s.status === 'running')).toEqual([]);
      expect(rows.stages.filter((s) => s.stage === 'ingest').map((s) => s.status)).toEqual(['succeeded']);
      // Nothing half-written recorded, nor left on the volume: only ingest's raw dataset.
      expect(rows.artifacts.map((a) => a.kind)).toEqual(['raw_dataset']);
      expect(readdirSync(scratch).filter((d) => d.startsWith('refinery-redact-'))).toEqual([]);
      report(`case 5: ${redact.length} redact attempts failed with: ${rows.run?.error}`);
    } finally {
      await rm(filler, { force: true });
    }
  });
});
