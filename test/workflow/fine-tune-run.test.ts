import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadConfig, TASK_QUEUES, validateRunSpec, type ApprovalReport, type FineTuneRunInput, type GatesReport, type RunSpec } from '@refinery/core';
import { WORKFLOWS_PATH } from '@refinery/pipeline-worker';
import { decideUpdate, fineTuneRun, limitsChangedSignal, progressQuery } from '@refinery/pipeline-worker/workflows';
import { TEMPORAL_CONFIG_KEYS, temporalDataConverterFromConfig } from '@refinery/temporal';
import { stackEnv } from '../support/api';
import { specObject } from '../support/specs';
import { APPROVAL_REPORT, blockUntilCancelled, EVALUATE_REPORT, GATES_REPORT, INGEST_REPORT, MERGE_REPORT, mockActivities, QUANTIZE_REPORT, REDACT_REPORT, SPLIT_REPORT, TRAIN_REPORT } from './mock-activities';

/**
 * The fineTuneRun workflow's branches with stand-in activities, on the real Temporal server of
 * the test stack (each test on its own task queues, so the stack's workers never see them).
 */
const EVIDENCE = APPROVAL_REPORT.evidenceSha256; // what the stand-in openApproval puts in front of reviewers
let env: TestWorkflowEnvironment;
/** The stack's payload encryption, as every real client and worker has it. */
const dataConverter = () => temporalDataConverterFromConfig(loadConfig(TEMPORAL_CONFIG_KEYS, stackEnv()));
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createFromExistingServer({ address: stackEnv().TEMPORAL_ADDRESS, namespace: 'default', client: { dataConverter: dataConverter() } });
  bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
});
afterAll(async () => {
  await env?.teardown();
});

function spec(sections: Partial<RunSpec> & { without?: (keyof RunSpec)[] }, pool: string): RunSpec {
  const { without = [], ...rest } = sections;
  const raw: Record<string, unknown> = { ...specObject(), project: pool, name: 'wf-test', training: { epochs: 1, gpu: { pool } }, ...rest };
  for (const key of without) delete raw[key];
  const parsed = validateRunSpec(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.spec;
}

/** Runs a workflow against stand-in activities on fresh pipeline and GPU queues. */
async function withWorkers<T>(mocks: ReturnType<typeof mockActivities>, body: (o: { taskQueue: string; pool: string }) => Promise<T>): Promise<T> {
  const id = randomUUID().slice(0, 8);
  const taskQueue = `wf-test-${id}`;
  const pool = `wf-test-${id}`;
  const pipeline = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: mocks.activities, dataConverter: dataConverter() });
  const { trainLora, mergeAdapter, quantizeModel, evaluateModels } = mocks.activities;
  const gpu = await Worker.create({ connection: env.nativeConnection, taskQueue: TASK_QUEUES.gpu(pool), activities: { trainLora, mergeAdapter, quantizeModel, evaluateModels }, dataConverter: dataConverter() });
  return pipeline.runUntil(gpu.runUntil(body({ taskQueue, pool })));
}

const start = (taskQueue: string, input: Omit<FineTuneRunInput, 'runId' | 'submittedBy'>) => {
  const runId = `run_wf_${randomUUID().slice(0, 12)}`;
  return env.client.workflow.start(fineTuneRun, { taskQueue, workflowId: runId, args: [{ runId, submittedBy: 'user:alice', ...input }] });
};

describe('fineTuneRun workflow', () => {
  it('runs every stage in order and records each report on its stage', async () => {
    const mocks = mockActivities();
    const { result, progress } = await withWorkers(mocks, async ({ taskQueue, pool }) => {
      const handle = await start(taskQueue, { spec: spec({}, pool) });
      return { result: await handle.result(), progress: await handle.query(progressQuery) };
    });
    expect(result).toEqual({ status: 'succeeded', datasetUri: expect.stringMatching(/^object:\/\/sha256\/raw/), adapterUri: expect.stringMatching(/adapter/) });
    expect(mocks.timeline()).toEqual([
      ['ingest', 'started'], ['ingest', 'succeeded'],
      ['redact', 'started'], ['redact', 'succeeded'],
      ['split', 'started'], ['split', 'succeeded'],
      ['train', 'started'], ['train', 'succeeded'],
    ]);
    const finished = mocks.calls.filter((c) => c.activity === 'stageFinished').map((c) => c.input.metrics);
    expect(finished).toEqual([INGEST_REPORT, REDACT_REPORT, SPLIT_REPORT, TRAIN_REPORT]);
    // Claim-check: the next stage gets the artifact, never the previous report.
    const split = mocks.calls.find((c) => c.activity === 'splitDataset')!.input;
    expect(split.dataset).toEqual(expect.objectContaining({ artifactId: 'art_clean' }));
    expect(split.dataset).not.toHaveProperty('report');
    expect(mocks.calls.filter((c) => c.activity === 'markRun').map((c) => c.input.status)).toEqual(['running', 'succeeded']);
    expect(progress).toMatchObject({ status: 'succeeded', currentStage: null, completedStages: ['ingest', 'redact', 'split', 'train'], submittedBy: 'user:alice' });
  });

  it('with quantization and evaluation, merges, quantizes, evaluates every variant and checks the gates', async () => {
    const mocks = mockActivities();
    const sections = {
      quantization: { formats: ['f16', 'q4_K_M'] },
      evaluation: { metrics: ['exact_match'], gates: [{ metric: 'exact_match', variant: 'merged', min: 0.8 }] },
    } as unknown as Partial<RunSpec>;
    const result = await withWorkers(mocks, async ({ taskQueue, pool }) => (await start(taskQueue, { spec: spec(sections, pool) })).result());
    expect(result.status).toBe('succeeded');
    expect(mocks.timeline().filter(([, s]) => s === 'succeeded').map(([stage]) => stage)).toEqual(['ingest', 'redact', 'split', 'train', 'merge', 'quantize', 'evaluate', 'gates']);
    const reports = mocks.calls.filter((c) => c.activity === 'stageFinished').map((c) => c.input.metrics);
    expect(reports.slice(4)).toEqual([MERGE_REPORT, QUANTIZE_REPORT, EVALUATE_REPORT, GATES_REPORT]);
    // Each stage gets what the one before produced: adapter → merge → GGUFs → evaluation → gates.
    const input = (activity: string) => mocks.calls.find((c) => c.activity === activity)!.input;
    expect(input('mergeAdapter').adapter).toMatchObject({ artifactId: 'art_adapter' });
    expect(input('quantizeModel')).toMatchObject({ merged: { artifactId: 'art_merged' }, formats: ['f16', 'q4_K_M'] });
    expect(input('evaluateModels')).toMatchObject({ merged: { artifactId: 'art_merged' }, eval: { artifactId: 'art_eval' } });
    expect((input('evaluateModels').ggufs as { variant: string }[]).map((g) => g.variant)).toEqual(['gguf-f16', 'gguf-q4_k_m']);
    expect(input('checkRunGates').evaluated).toEqual(EVALUATE_REPORT);
  });

  it('a failed gate ends the run rejected with the gate and its number', async () => {
    const failing = { ...GATES_REPORT, passed: false, results: [{ ...GATES_REPORT.results[0]!, value: 0.4, passed: false }] };
    const mocks = mockActivities({ checkRunGates: async () => ({ report: failing }) });
    const sections = { evaluation: { gates: [{ metric: 'exact_match', min: 0.8 }] } } as unknown as Partial<RunSpec>;
    const result = await withWorkers(mocks, async ({ taskQueue, pool }) => (await start(taskQueue, { spec: spec(sections, pool) })).result());
    expect(result.status).toBe('rejected');
    // Without quantization: merge and evaluate, no GGUFs.
    expect(mocks.calls.some((c) => c.activity === 'quantizeModel')).toBe(false);
    expect(mocks.calls.find((c) => c.activity === 'evaluateModels')!.input.ggufs).toEqual([]);
    expect(mocks.calls.filter((c) => c.activity === 'markRun').at(-1)!.input).toEqual({ runId: expect.any(String), status: 'rejected', error: 'rejected by gates: merged exact_match ≥ 0.8 (0.4)' });
  });

  it('without redaction, splits the ingested dataset', async () => {
    const mocks = mockActivities();
    await withWorkers(mocks, async ({ taskQueue, pool }) => (await start(taskQueue, { spec: spec({ without: ['redaction'] }, pool) })).result());
    expect(mocks.timeline().map(([stage]) => stage)).toEqual(['ingest', 'ingest', 'split', 'split', 'train', 'train']);
    expect(mocks.calls.find((c) => c.activity === 'splitDataset')!.input.dataset).toEqual(expect.objectContaining({ artifactId: 'art_raw' }));
  });

  it('without training, prepares the data and ends', async () => {
    const mocks = mockActivities();
    const result = await withWorkers(mocks, async ({ taskQueue, pool }) => (await start(taskQueue, { spec: spec({ without: ['training'] }, pool) })).result());
    expect(result.adapterUri).toBeNull();
    expect(mocks.timeline()).toEqual([['ingest', 'started'], ['ingest', 'succeeded'], ['redact', 'started'], ['redact', 'succeeded']]);
  });

  it('a failing stage fails the run with its message and keeps its report', async () => {
    const invalid = { ...INGEST_REPORT, errorCount: 1, errors: [{ line: 3, field: 'messages', reason: 'is required' }] };
    const mocks = mockActivities({
      ingestDataset: async () => {
        throw ApplicationFailure.create({ type: 'DatasetInvalid', nonRetryable: true, message: 'dataset has 1 error(s)', details: [invalid] });
      },
    });
    const err = await withWorkers(mocks, async ({ taskQueue, pool }) => (await start(taskQueue, { spec: spec({}, pool) })).result().catch((e: unknown) => e));
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(mocks.timeline()).toEqual([['ingest', 'started'], ['ingest', 'failed']]);
    const finished = mocks.calls.find((c) => c.activity === 'stageFinished')!.input;
    expect(finished).toMatchObject({ error: 'dataset has 1 error(s)', metrics: invalid });
    expect(mocks.calls.filter((c) => c.activity === 'markRun').at(-1)!.input).toEqual({ runId: expect.any(String), status: 'failed', error: 'dataset has 1 error(s)' });
  });

  it('cancellation during a stage records the stage and the run as cancelled', async () => {
    const mocks = mockActivities({ trainLora: blockUntilCancelled });
    const outcome = await withWorkers(mocks, async ({ taskQueue, pool }) => {
      const handle = await start(taskQueue, { spec: spec({}, pool) });
      // The training activity itself has started (its start is recorded), not only the workflow's step.
      await waitFor(async () => mocks.calls.some((c) => c.activity === 'trainLora'));
      await handle.cancel();
      return handle.result().catch((e: unknown) => e);
    });
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect(mocks.timeline().slice(-2)).toEqual([['train', 'started'], ['train', 'cancelled']]);
    expect(mocks.calls.filter((c) => c.activity === 'markRun').map((c) => c.input.status)).toEqual(['running', 'cancelled']);
  });

  it('answers progress while a stage runs, and refuses a decision it is not waiting for', async () => {
    const mocks = mockActivities({ ingestDataset: blockUntilCancelled });
    const { progress, refusal, malformed } = await withWorkers(mocks, async ({ taskQueue, pool }) => {
      const handle = await start(taskQueue, { spec: spec({}, pool) });
      await waitFor(async () => (await handle.query(progressQuery)).currentStage === 'ingest');
      const progress = await handle.query(progressQuery);
      const refusal = await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', comment: 'looks good', actor: 'user:bob', role: 'reviewer', evidenceSha256: EVIDENCE }] }).catch((e: unknown) => e);
      const malformed = await handle.executeUpdate(decideUpdate, { args: [{ decision: 'maybe', comment: '', actor: 'user:bob' } as never] }).catch((e: unknown) => e);
      await handle.cancel();
      await handle.result().catch(() => undefined);
      return { progress, refusal, malformed };
    });
    expect(progress).toMatchObject({ status: 'running', currentStage: 'ingest', completedStages: [], awaitingDecision: null, submittedBy: 'user:alice' });
    expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((refusal as Error).cause)).toMatch(/is not awaiting a decision \(it is running, in stage ingest\)/);
    expect(malformed).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((malformed as Error).cause)).toMatch(/decision/);
  });
});

describe('the approval stage', () => {
  const approvalSpec = (pool: string, approval: Record<string, unknown>, evaluation?: Record<string, unknown>) =>
    spec({ approval, ...(evaluation ? { evaluation } : {}), quantization: { formats: ['q8_0'] } } as Partial<RunSpec>, pool);
  type Handle = WorkflowHandle<typeof fineTuneRun>;
  const decide = (handle: Handle, actor: string, decision: 'approve' | 'reject', role: 'reviewer' | 'viewer' | 'admin' = 'reviewer', evidenceSha256 = EVIDENCE) =>
    handle.executeUpdate(decideUpdate, { args: [{ decision, comment: `${decision} by ${actor}`, actor, role, evidenceSha256 }] }).catch((e: unknown) => e);
  const awaiting = async (handle: Handle) => (await handle.query(progressQuery)).awaitingDecision !== null;

  it('waits for a reviewer who is not the submitter; refuses the submitter, a viewer and stale evidence; then succeeds', async () => {
    const mocks = mockActivities();
    const out = await withWorkers(mocks, async ({ taskQueue, pool }) => {
      const handle = await start(taskQueue, { spec: approvalSpec(pool, { timeout: '1h' }, { metrics: ['exact_match'], gates: [{ metric: 'exact_match', min: 0.8 }] }) });
      await waitFor(() => awaiting(handle));
      const progress = await handle.query(progressQuery);
      const submitter = await decide(handle, 'user:alice', 'approve');
      const viewer = await decide(handle, 'user:victor', 'approve', 'viewer');
      const stale = await decide(handle, 'user:bob', 'approve', 'reviewer', 'f'.repeat(64));
      const receipt = await decide(handle, 'user:bob', 'approve');
      return { progress, submitter, viewer, stale, receipt, result: await handle.result() };
    });
    expect(out.progress).toMatchObject({ status: 'awaiting_approval', currentStage: 'approval', awaitingDecision: { stage: 'approval', required: 1, evidenceSha256: EVIDENCE } });
    expect(String((out.submitter as Error).cause)).toMatch(/separation of duties: user:alice submitted this run/);
    expect(String((out.viewer as Error).cause)).toMatch(/needs the reviewer role .* their role is viewer/);
    expect(String((out.stale as Error).cause)).toMatch(/the evidence changed since it was shown/);
    expect(out.receipt).toMatchObject({ stage: 'approval', decision: 'approve', actor: 'user:bob', evidenceSha256: EVIDENCE });
    expect(out.result.status).toBe('succeeded');
    const opened = mocks.calls.find((c) => c.activity === 'openApproval')!.input;
    expect(opened).toMatchObject({ submittedBy: 'user:alice', approval: { required: 1, timeout: '1h' }, evidence: { evaluation: EVALUATE_REPORT, gates: GATES_REPORT } });
    const recorded = mocks.calls.find((c) => c.activity === 'recordApproval')!.input.report as ApprovalReport;
    expect(recorded).toMatchObject({ outcome: 'approved', decisions: [{ decision: 'approve', actor: 'user:bob', comment: 'approve by user:bob' }] });
    expect(mocks.timeline().slice(-2)).toEqual([['approval', 'started'], ['approval', 'succeeded']]);
    expect(mocks.calls.filter((c) => c.activity === 'markRun').map((c) => c.input.status)).toEqual(['running', 'running', 'succeeded']);
  });

  it('with required: 2, one reviewer cannot approve twice; a second approves; a rejection ends the run rejected', async () => {
    const mocks = mockActivities();
    const out = await withWorkers(mocks, async ({ taskQueue, pool }) => {
      const twice = await start(taskQueue, { spec: approvalSpec(pool, { required: 2 }) });
      await waitFor(() => awaiting(twice));
      await decide(twice, 'user:bob', 'approve');
      const again = await decide(twice, 'user:bob', 'approve');
      const stillWaiting = await twice.query(progressQuery);
      await decide(twice, 'user:carol', 'approve', 'admin');
      const approved = await twice.result();

      const rejected = await start(taskQueue, { spec: approvalSpec(pool, { required: 2 }) });
      await waitFor(() => awaiting(rejected));
      await decide(rejected, 'user:bob', 'approve');
      await decide(rejected, 'user:carol', 'reject');
      return { again, stillWaiting, approved, rejectedResult: await rejected.result() };
    });
    expect(String((out.again as Error).cause)).toMatch(/user:bob has already decided on this run; 2 different reviewers must approve it/);
    expect(out.stillWaiting.status).toBe('awaiting_approval');
    expect(out.approved.status).toBe('succeeded');
    expect(out.rejectedResult.status).toBe('rejected');
    expect(mocks.calls.filter((c) => c.activity === 'markRun').map((c) => c.input)).toContainEqual({ runId: expect.any(String), status: 'rejected', error: 'rejected by user:carol: reject by user:carol' });
  });

  it('promotes last, after the approval, to the spec\'s model (its name by default) and alias; not when rejected', async () => {
    const mocks = mockActivities();
    const out = await withWorkers(mocks, async ({ taskQueue, pool }) => {
      const promoted = await start(taskQueue, { spec: spec({ approval: { timeout: '1h' }, promotion: { alias: 'production' } } as Partial<RunSpec>, pool) });
      await waitFor(() => awaiting(promoted));
      await decide(promoted, 'user:bob', 'approve');
      const rejected = await start(taskQueue, { spec: spec({ approval: { timeout: '1h' }, promotion: { model: 'other' } } as Partial<RunSpec>, pool) });
      await waitFor(() => awaiting(rejected));
      await decide(rejected, 'user:bob', 'reject');
      return { promoted: await promoted.result(), rejected: await rejected.result() };
    });
    expect(out.promoted.status).toBe('succeeded');
    expect(out.rejected.status).toBe('rejected');
    const promotions = mocks.calls.filter((c) => c.activity === 'promoteModel').map((c) => c.input);
    expect(promotions).toEqual([{ runId: expect.any(String), project: expect.stringMatching(/^wf-test-/), model: 'wf-test', alias: 'production' }]);
    const order = mocks.calls.map((c) => c.activity).filter((a) => ['recordApproval', 'promoteModel'].includes(a));
    expect(order.slice(0, 2)).toEqual(['recordApproval', 'promoteModel']);
  });

  it('ends expired when nobody decides before the timeout', async () => {
    const mocks = mockActivities();
    const result = await withWorkers(mocks, async ({ taskQueue, pool }) => (await start(taskQueue, { spec: approvalSpec(pool, { timeout: '2s' }) })).result());
    expect(result.status).toBe('expired');
    expect((mocks.calls.find((c) => c.activity === 'recordApproval')!.input.report as ApprovalReport).outcome).toBe('expired');
    expect(mocks.calls.filter((c) => c.activity === 'markRun').at(-1)!.input).toMatchObject({ status: 'expired', error: expect.stringMatching(/^expired: 0 of 1 approvals by /) });
  });

  it('onFail: review sends failed gates to the reviewers instead of rejecting', async () => {
    const failed: GatesReport = { ...GATES_REPORT, passed: false, onFail: 'review', results: [{ ...GATES_REPORT.results[0]!, value: 0.4, passed: false }] };
    const mocks = mockActivities({ checkRunGates: async () => ({ report: failed }) });
    const out = await withWorkers(mocks, async ({ taskQueue, pool }) => {
      const handle = await start(taskQueue, {
        spec: approvalSpec(pool, {}, { metrics: ['exact_match'], onFail: 'review', gates: [{ metric: 'exact_match', min: 0.8 }] }),
      });
      await waitFor(() => awaiting(handle));
      await decide(handle, 'user:bob', 'approve');
      return handle.result();
    });
    expect(out.status).toBe('succeeded');
    expect(mocks.calls.find((c) => c.activity === 'openApproval')!.input).toMatchObject({ evidence: { gates: failed } });
  });
});

describe('fair queuing: the project semaphore (projectQuota)', () => {
  type QueueEntries = { entries: { runId: string; position: number; reason: string; resource: string }[] };
  const lastQueue = (mocks: ReturnType<typeof mockActivities>) => (mocks.calls.filter((c) => c.activity === 'publishQuotaQueue').at(-1)?.input as QueueEntries | undefined)?.entries ?? [];

  it('with one GPU slot, runs train one after the other in priority order, and the waiting ones are queued with place and reason', async () => {
    let letFirstFinish!: () => void;
    const firstMayFinish = new Promise<void>((r) => (letFirstFinish = r));
    const trained: string[] = [];
    const mocks = mockActivities({
      loadQuotaLimits: async () => ({ maxConcurrentRuns: null, gpuSlots: { [poolOf.current]: 1 } }),
      trainLora: async (input) => {
        trained.push(input.runId);
        if (trained.length === 1) await firstMayFinish;
        return { adapter: { artifactId: 'art_adapter', uri: `object://sha256/${'c'.repeat(64)}`, sha256: 'c'.repeat(64), bytes: 1 }, report: TRAIN_REPORT };
      },
    });
    const poolOf = { current: '' };
    const { ids, queueWhileWaiting, progress } = await withWorkers(mocks, async ({ taskQueue, pool }) => {
      poolOf.current = pool;
      const first = await start(taskQueue, { spec: spec({ priority: 10 }, pool) });
      await waitFor(async () => trained.length === 1);
      const low = await start(taskQueue, { spec: spec({ priority: 20 }, pool) });
      const high = await start(taskQueue, { spec: spec({ priority: 90 }, pool) });
      await waitFor(async () => lastQueue(mocks).length === 2);
      const queueWhileWaiting = lastQueue(mocks);
      const progress = await high.query(progressQuery);
      letFirstFinish();
      await Promise.all([first.result(), low.result(), high.result()]);
      return { ids: { first: first.workflowId, low: low.workflowId, high: high.workflowId }, queueWhileWaiting, progress };
    });
    expect(trained).toEqual([ids.first, ids.high, ids.low]);
    expect(queueWhileWaiting.map((e) => [e.runId, e.position])).toEqual(expect.arrayContaining([[ids.high, 1], [ids.low, 2]]));
    expect(queueWhileWaiting[0]!.reason).toMatch(/is using all 1 of its GPU slot in pool wf-test-/);
    expect(progress.status).toBe('queued');
    // A run that waited for the GPU went back to queued and then on to running.
    const statuses = (runId: string) => mocks.calls.filter((c) => c.activity === 'markRun' && c.input.runId === runId).map((c) => c.input.status);
    expect(statuses(ids.low)).toEqual(['running', 'queued', 'running', 'succeeded']);
    expect(statuses(ids.first)).toEqual(['running', 'succeeded']);
    expect(lastQueue(mocks)).toEqual([]);
  });

  it('a paused project (limit 0) holds new runs queued; raising the limit lets them through; a run cancelled in the queue leaves it', async () => {
    let limit: number | null = 0;
    const mocks = mockActivities({ loadQuotaLimits: async () => ({ maxConcurrentRuns: limit, gpuSlots: {} }) });
    const { waiting, cancelled, after } = await withWorkers(mocks, async ({ taskQueue, pool }) => {
      const kept = await start(taskQueue, { spec: spec({ without: ['training', 'split'] }, pool) });
      const dropped = await start(taskQueue, { spec: spec({ without: ['training', 'split'] }, pool) });
      await waitFor(async () => lastQueue(mocks).length === 2);
      const waiting = lastQueue(mocks);
      await dropped.cancel();
      const cancelled = await dropped.result().catch((e: unknown) => e);
      await waitFor(async () => lastQueue(mocks).length === 1);
      limit = 1;
      await env.client.workflow.getHandle(`quota-${pool}`).signal(limitsChangedSignal);
      return { waiting, cancelled, after: await kept.result() };
    });
    expect(waiting.every((e) => e.resource === 'runs' && /is paused: its limit of concurrent runs is 0/.test(e.reason))).toBe(true);
    expect(cancelled).toBeInstanceOf(WorkflowFailedError);
    expect(after.status).toBe('succeeded');
    expect(lastQueue(mocks)).toEqual([]);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
