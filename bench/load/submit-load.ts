/**
 * Part (a) of the load benchmark: runs submitted concurrently through the REST API (POST
 * /api/v1/runs with an Idempotency-Key, as a client does), waited for, then taken apart:
 * submit-to-done latency, and per run the orchestration overhead = the run's wall time
 * (created → finished, server clock) minus its stages' own compute (each attempt's wall time as
 * its worker measured it: stage_executions.wall_seconds, the API's `usage.wallSeconds`).
 * Queue wait comes from each run's Temporal history: activity task scheduled → started and
 * workflow task scheduled → started (time in a task queue waiting for a worker slot or poller).
 */
import { performance } from 'node:perf_hooks';
import { parse, stringify } from 'yaml';
import { tsToMs } from '@temporalio/common';
import { isTerminalRunStatus, loadConfig, STAGE_DEFINITIONS, STAGES, type RunDetail, type RunSummary } from '@refinery/core';
import { TEMPORAL_CONFIG_KEYS, temporalClientFromConfig } from '@refinery/temporal';
import { DEMO_SPEC, INGEST_ONLY_SPEC } from '../../test/support/specs';
import { samplePgWaits, type PgWaitSampling } from './pg-waits';
import { summarize, type Summary } from './stats';

export interface SubmitLoadOptions {
  webUrl: string;
  token: string;
  stackEnv: Record<string, string>;
  dataRuns: number;
  trainings: number;
  /** false: the specs say `cache: {ingest: false, redact: false, split: false}` (every data stage recomputes). */
  cache: boolean;
  /** Name prefix: each pass names its runs apart. */
  label: string;
  timeoutMs: number;
  log: (line: string) => void;
}

export type RunKind = 'data' | 'training';

export interface RunMeasure {
  id: string;
  kind: RunKind;
  status: string;
  error: string | null;
  /** POST sent → its response, client clock (ms). */
  submitMs: number;
  /** POST sent (client) → finishedAt (server); same host, same clock (s). */
  submitToDoneS: number;
  /** createdAt → finishedAt (s). */
  wallS: number;
  /** Sum of every stage attempt's own wall time (s). */
  stageComputeS: number;
  /** Attempts without a recorded wall time (their worker died first): their time counts as overhead. */
  unmeasuredAttempts: number;
  /** wallS - stageComputeS. */
  overheadS: number;
  /** Activity tasks' scheduled → started, summed (s), by task queue. */
  activityQueueWaitS: Record<string, number>;
  /** Workflow tasks' scheduled → started, summed (s). */
  workflowTaskQueueWaitS: number;
  /** createdAt → the workflow execution's start event (s): the API's insert-then-start. */
  workflowStartDelayS: number;
  /** overheadS minus all queue wait. */
  overheadExQueueS: number;
  /** Workflow tasks' started → completed, summed (s): the workflow code on its worker plus the round trip. */
  workflowTaskRunS: number;
  /** The non-stage activities' (markRun, stageStarted, stageFinished: the Postgres projection) started → completed, summed (s). */
  bookkeepingActivityS: number;
  stagesReused: number;
  stages: { stage: string; attempt: number; wallS: number | null; reusedFromRunId: string | null }[];
}

export interface SubmitLoadResult {
  label: string;
  cache: boolean;
  dataRuns: number;
  trainings: number;
  /** First POST sent → last run finished (s). */
  makespanS: number;
  runsPerMinute: number;
  succeeded: number;
  failed: number;
  otherTerminal: number;
  notFinished: number;
  /** Workflows Temporal reports other than COMPLETED (FAILED, TERMINATED, TIMED_OUT...). */
  failedWorkflows: number;
  submitHttpErrors: string[];
  submitMs: Summary;
  submitToDoneS: Summary;
  overheadS: Summary;
  overheadExQueueS: Summary;
  queueWaitS: Summary;
  byKind: Record<RunKind, KindStats>;
  /** Postgres backends by wait event from the first POST until every run finished. */
  pgWaits: PgWaitSampling;
  runs: RunMeasure[];
}

export interface KindStats {
  count: number;
  submitToDoneS: Summary;
  wallS: Summary;
  stageComputeS: Summary;
  overheadS: Summary;
  overheadExQueueS: Summary;
  queueWaitS: Summary;
  workflowStartDelayS: Summary;
  workflowTaskRunS: Summary;
  bookkeepingActivityS: Summary;
}

/** Summaries over some runs (those that finished). */
export function kindStats(of: RunMeasure[]): KindStats {
  const queueWait = (r: RunMeasure) => sum(Object.values(r.activityQueueWaitS)) + r.workflowTaskQueueWaitS;
  return {
    count: of.length,
    submitToDoneS: summarize(of.map((r) => r.submitToDoneS)),
    wallS: summarize(of.map((r) => r.wallS)),
    stageComputeS: summarize(of.map((r) => r.stageComputeS)),
    overheadS: summarize(of.map((r) => r.overheadS)),
    overheadExQueueS: summarize(of.map((r) => r.overheadExQueueS)),
    queueWaitS: summarize(of.map(queueWait)),
    workflowStartDelayS: summarize(of.map((r) => r.workflowStartDelayS)),
    workflowTaskRunS: summarize(of.map((r) => r.workflowTaskRunS)),
    bookkeepingActivityS: summarize(of.map((r) => r.bookkeepingActivityS)),
  };
}

const CACHE_OFF = { ingest: false, redact: false, split: false };

/** The data-only spec (ingest + redact on the demo tickets), named apart. */
export function dataSpec(name: string, cache: boolean): string {
  const spec = parse(INGEST_ONLY_SPEC) as Record<string, unknown>;
  spec.name = name;
  if (!cache) spec.cache = CACHE_OFF;
  return stringify(spec);
}

/** The demo spec up to the adapter, trained for a few steps on the tiny model (as test/e2e/step-cache.test.ts does). */
export function trainingSpec(name: string, cache: boolean, steps = 10): string {
  const spec = parse(DEMO_SPEC) as Record<string, any>;
  delete spec.quantization;
  delete spec.evaluation;
  spec.name = name;
  spec.training = { ...spec.training, maxSteps: steps, epochs: 1, checkpointEvery: 100 };
  if (!cache) spec.cache = CACHE_OFF;
  return stringify(spec);
}

async function apiJson<T>(o: { webUrl: string; token: string }, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${o.webUrl}${path}`, { method, body, headers: { authorization: `Bearer ${o.token}`, ...headers } });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

const ms = (iso: string) => Date.parse(iso);
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

const STAGE_ACTIVITIES = new Set<string>(STAGES.map((st) => STAGE_DEFINITIONS[st].activity));

/** Queue waits in a run's Temporal history (event times are plain: only payloads are encrypted). */
async function queueWaits(client: Awaited<ReturnType<typeof temporalClientFromConfig>>, runId: string) {
  const history = await client.workflow.getHandle(runId).fetchHistory();
  const scheduled = new Map<string, { at: number; queue: string; type: string }>();
  const startedAtOf = new Map<string, number>();
  const activity: Record<string, number> = {};
  let workflowTask = 0;
  let workflowTaskRun = 0;
  let bookkeeping = 0;
  let startedAt = Number.NaN;
  for (const e of history.events ?? []) {
    const at = tsToMs(e.eventTime);
    if (e.workflowExecutionStartedEventAttributes) startedAt = at;
    const a = e.activityTaskScheduledEventAttributes;
    if (a) scheduled.set(String(e.eventId), { at, queue: a.taskQueue?.name ?? '?', type: a.activityType?.name ?? '?' });
    if (e.workflowTaskScheduledEventAttributes) scheduled.set(String(e.eventId), { at, queue: 'workflow-task', type: '' });
    const started = e.activityTaskStartedEventAttributes ?? e.workflowTaskStartedEventAttributes;
    if (started) {
      startedAtOf.set(String(e.eventId), at);
      const s = scheduled.get(String(started.scheduledEventId));
      if (!s) continue;
      const wait = Math.max(0, at - s.at) / 1000;
      if (s.queue === 'workflow-task') workflowTask += wait;
      else activity[s.queue] = (activity[s.queue] ?? 0) + wait;
    }
    // How long each ran once started: workflow tasks (the workflow code and its history round trip) and the bookkeeping activities.
    const wtDone = e.workflowTaskCompletedEventAttributes;
    if (wtDone) workflowTaskRun += Math.max(0, at - (startedAtOf.get(String(wtDone.startedEventId)) ?? at)) / 1000;
    const done = e.activityTaskCompletedEventAttributes;
    if (done && !STAGE_ACTIVITIES.has(scheduled.get(String(done.scheduledEventId))?.type ?? '')) bookkeeping += Math.max(0, at - (startedAtOf.get(String(done.startedEventId)) ?? at)) / 1000;
  }
  return { activity, workflowTask, workflowTaskRun, bookkeeping, startedAt };
}

export async function runSubmitLoad(o: SubmitLoadOptions): Promise<SubmitLoadResult> {
  const planned: { kind: RunKind; name: string; yaml: string }[] = [
    ...Array.from({ length: o.dataRuns }, (_, i) => ({ kind: 'data' as const, name: `${o.label}-data-${i + 1}`, yaml: '' })),
    ...Array.from({ length: o.trainings }, (_, i) => ({ kind: 'training' as const, name: `${o.label}-train-${i + 1}`, yaml: '' })),
  ].map((p) => ({ ...p, yaml: p.kind === 'data' ? dataSpec(p.name, o.cache) : trainingSpec(p.name, o.cache) }));
  const nonce = `${Date.now().toString(36)}`;
  o.log(`submitting ${o.dataRuns} data-only + ${o.trainings} training runs at once (caching ${o.cache ? 'on' : 'off'})`);

  const waits = samplePgWaits(o.stackEnv.DATABASE_URL!);
  // Every POST at once, as concurrent clients would; the wall clock is the host's (Date.now), as the server's timestamps are.
  const firstSentAt = Date.now();
  const submitted = await Promise.all(
    planned.map(async (p, i) => {
      const sentAt = Date.now();
      const t0 = performance.now();
      const res = await apiJson<{ id?: string; error?: { message: string } }>(o, 'POST', '/api/v1/runs', p.yaml, { 'content-type': 'application/yaml', 'idempotency-key': `bench-load-${nonce}-${o.label}-${i}` }).catch((err: Error) => ({ status: 0, body: { error: { message: err.message } } as { id?: string; error?: { message: string } } }));
      return { ...p, sentAt, submitMs: performance.now() - t0, status: res.status, id: res.body?.id, error: res.body?.error?.message };
    }),
  );
  const submitHttpErrors = submitted.filter((s) => s.status !== 201 || !s.id).map((s) => `${s.name}: HTTP ${s.status} ${s.error ?? ''}`);
  const accepted = submitted.filter((s) => s.status === 201 && s.id) as (typeof submitted[number] & { id: string })[];
  o.log(`submitted: ${accepted.length} accepted, ${submitHttpErrors.length} refused; submit request p50 ${summarize(submitted.map((s) => s.submitMs)).p50.toFixed(0)} ms`);

  // Wait: one list request every 2 s (the project holds only this benchmark's runs, at most 200 per page).
  const pending = new Set(accepted.map((s) => s.id));
  const deadline = Date.now() + o.timeoutMs;
  let lastReport = 0;
  while (pending.size && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2000));
    const page = await apiJson<{ runs: RunSummary[] }>(o, 'GET', '/api/v1/runs?project=demo&limit=200').catch(() => null);
    const seen = new Set<string>();
    for (const r of page?.body.runs ?? []) {
      seen.add(r.id);
      if (isTerminalRunStatus(r.status)) pending.delete(r.id);
    }
    // Runs beyond the first page (a rerun on the same data), one by one.
    for (const id of [...pending].filter((id) => !seen.has(id))) {
      const r = await apiJson<RunDetail>(o, 'GET', `/api/v1/runs/${id}`).catch(() => null);
      if (r && isTerminalRunStatus(r.body.status)) pending.delete(id);
    }
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      o.log(`  ${accepted.length - pending.size}/${accepted.length} finished after ${((Date.now() - firstSentAt) / 1000).toFixed(0)} s`);
    }
  }
  if (pending.size) o.log(`  ${pending.size} runs not finished after ${o.timeoutMs / 60_000} min`);
  const pgWaits = await waits.stop();

  // Take every run apart.
  const temporal = await temporalClientFromConfig(loadConfig(TEMPORAL_CONFIG_KEYS, o.stackEnv));
  const runs: RunMeasure[] = [];
  let failedWorkflows = 0;
  try {
    for (const s of accepted) {
      const detail = (await apiJson<RunDetail>(o, 'GET', `/api/v1/runs/${s.id}`)).body;
      const description = await temporal.workflow.getHandle(s.id).describe();
      if (description.status.name !== 'COMPLETED' && description.status.name !== 'RUNNING') failedWorkflows++;
      if (!detail.finishedAt) {
        runs.push({ id: s.id, kind: s.kind, status: detail.status, error: detail.error, submitMs: s.submitMs, submitToDoneS: NaN, wallS: NaN, stageComputeS: NaN, unmeasuredAttempts: 0, overheadS: NaN, activityQueueWaitS: {}, workflowTaskQueueWaitS: NaN, workflowStartDelayS: NaN, overheadExQueueS: NaN, workflowTaskRunS: NaN, bookkeepingActivityS: NaN, stagesReused: 0, stages: [] });
        continue;
      }
      const waits = await queueWaits(temporal, s.id);
      const stages = detail.stages.map((st) => ({ stage: st.stage, attempt: st.attempt, wallS: st.usage?.wallSeconds ?? null, reusedFromRunId: st.reusedFromRunId }));
      const wallS = (ms(detail.finishedAt) - ms(detail.createdAt)) / 1000;
      const stageComputeS = sum(stages.map((st) => st.wallS ?? 0));
      const queueWaitS = sum(Object.values(waits.activity)) + waits.workflowTask;
      runs.push({
        id: s.id,
        kind: s.kind,
        status: detail.status,
        error: detail.error,
        submitMs: s.submitMs,
        submitToDoneS: (ms(detail.finishedAt) - s.sentAt) / 1000,
        wallS,
        stageComputeS,
        unmeasuredAttempts: stages.filter((st) => st.wallS === null).length,
        overheadS: wallS - stageComputeS,
        activityQueueWaitS: waits.activity,
        workflowTaskQueueWaitS: waits.workflowTask,
        workflowStartDelayS: (waits.startedAt - ms(detail.createdAt)) / 1000,
        overheadExQueueS: wallS - stageComputeS - queueWaitS,
        workflowTaskRunS: waits.workflowTaskRun,
        bookkeepingActivityS: waits.bookkeeping,
        stagesReused: stages.filter((st) => st.reusedFromRunId).length,
        stages,
      });
    }
  } finally {
    await temporal.connection.close();
  }

  const finished = runs.filter((r) => Number.isFinite(r.wallS));
  const lastDone = Math.max(...finished.map((r) => r.submitToDoneS * 1000 + accepted.find((s) => s.id === r.id)!.sentAt));
  const makespanS = (lastDone - firstSentAt) / 1000;
  const queueWait = (r: RunMeasure) => sum(Object.values(r.activityQueueWaitS)) + r.workflowTaskQueueWaitS;
  return {
    label: o.label,
    cache: o.cache,
    dataRuns: o.dataRuns,
    trainings: o.trainings,
    makespanS,
    runsPerMinute: finished.length / (makespanS / 60),
    succeeded: runs.filter((r) => r.status === 'succeeded').length,
    failed: runs.filter((r) => r.status === 'failed').length,
    otherTerminal: runs.filter((r) => r.status !== 'succeeded' && r.status !== 'failed' && isTerminalRunStatus(r.status as RunSummary['status'])).length,
    notFinished: pending.size,
    failedWorkflows,
    submitHttpErrors,
    submitMs: summarize(submitted.map((s) => s.submitMs)),
    submitToDoneS: summarize(finished.map((r) => r.submitToDoneS)),
    overheadS: summarize(finished.map((r) => r.overheadS)),
    overheadExQueueS: summarize(finished.map((r) => r.overheadExQueueS)),
    queueWaitS: summarize(finished.map(queueWait)),
    pgWaits,
    byKind: { data: kindStats(finished.filter((r) => r.kind === 'data')), training: kindStats(finished.filter((r) => r.kind === 'training')) },
    runs,
  };
}
