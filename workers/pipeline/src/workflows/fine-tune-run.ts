import { ActivityCancellationType, ApplicationFailure, CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { GpuActivities, RunSpec, TrainResult } from '@refinery/core';
import { TASK_QUEUES } from '@refinery/core/workflow-safe';
import type { PipelineActivities } from '../activities';

export interface FineTuneRunInput {
  runId: string;
  spec: RunSpec;
}
export interface FineTuneRunResult {
  status: 'succeeded';
  datasetUri: string;
  adapterUri: string | null;
}

// Bookkeeping: short, and retried for a long time (Postgres may restart).
const projection = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 50 },
});

// Stages: long, heartbeating so that a dead worker is noticed and cancellation is delivered.
const stages = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['DatasetInvalid', 'SourceRejected', 'SplitEmpty', 'RedactionVerificationFailed', 'RedactionInputRejected'] },
});

// Training on a GPU pool's queue. A short heartbeat timeout notices a dead worker quickly; the
// retry resumes from the checkpoint named in the last heartbeat. Cancellation waits until the
// trainer process is really gone before the run is marked cancelled.
const gpuPool = (pool: string) =>
  proxyActivities<GpuActivities>({
    taskQueue: TASK_QUEUES.gpu(pool),
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: '20 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '2 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['TrainerInvalidInput'] },
  });

/**
 * A fine-tuning run, told as a story: ingest the data, redact it, hold out an evaluation split, train a
 * LoRA adapter on a GPU worker. Adding a stage is one `await stage(...)` line here plus its
 * activity. Without a `training` section the run prepares its data and ends.
 */
export async function fineTuneRun({ runId, spec }: FineTuneRunInput): Promise<FineTuneRunResult> {
  await projection.markRun({ runId, status: 'running' });
  try {
    const raw = await stage(runId, 'ingest', () => stages.ingestDataset({ runId, dataset: spec.dataset }), (r) => r.report);
    const redaction = spec.redaction;
    const clean = redaction
      ? await stage(runId, 'redact', () => stages.redactDataset({ runId, projectId: spec.project, dataset: raw, format: spec.dataset.format, policy: redaction }), (r) => r.report)
      : raw;

    let trained: TrainResult | null = null;
    if (spec.training) {
      const training = spec.training;
      const split = await stage(runId, 'split', () => stages.splitDataset({ runId, dataset: clean, split: spec.split! }), (r) => ({
        trainRecords: r.train.records,
        evalRecords: r.eval?.records ?? 0,
        ...spec.split,
      }));
      trained = await stage(
        runId,
        'train',
        () =>
          gpuPool(training.gpu.pool).trainLora({
            runId,
            baseModelUri: spec.baseModel.uri,
            format: spec.dataset.format,
            train: split.train,
            eval: split.eval,
            training,
          }),
        (r) => r.metrics,
      );
    }

    await projection.markRun({ runId, status: 'succeeded' });
    return { status: 'succeeded', datasetUri: raw.uri, adapterUri: trained?.adapter.uri ?? null };
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => projection.markRun({ runId, status: 'cancelled' }));
      throw err;
    }
    const message = failureMessage(err);
    await projection.markRun({ runId, status: 'failed', error: message });
    throw ApplicationFailure.nonRetryable(message, 'RunFailed');
  }
}

/** Runs one stage and records its start, end, metrics and error in the run's timeline. */
async function stage<T>(runId: string, name: string, run: () => Promise<T>, metricsOf?: (result: T) => object): Promise<T> {
  const attempt = 1;
  await projection.stageStarted({ runId, stage: name, attempt });
  try {
    const result = await run();
    const metrics = metricsOf?.(result) as Record<string, unknown> | undefined;
    await projection.stageFinished({ runId, stage: name, attempt, status: 'succeeded', metrics });
    return result;
  } catch (err) {
    const status = isCancellation(err) ? 'cancelled' : 'failed';
    await CancellationScope.nonCancellable(() =>
      projection.stageFinished({ runId, stage: name, attempt, status, error: status === 'failed' ? failureMessage(err) : undefined, metrics: failureDetails(err) }),
    );
    throw err;
  }
}

/** The innermost message: an activity failure wraps the ApplicationFailure that says why. */
function failureMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e && e.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

/** A stage that fails with a report (e.g. ingest's per-line errors) keeps it as metrics. */
function failureDetails(err: unknown): Record<string, unknown> | undefined {
  let e = err as { cause?: unknown; details?: unknown[] } | undefined;
  while (e) {
    if (e instanceof ApplicationFailure && e.details?.length) return e.details[0] as Record<string, unknown>;
    e = e.cause as typeof e;
  }
  return undefined;
}
