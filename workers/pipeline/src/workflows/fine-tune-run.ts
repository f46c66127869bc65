import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { RunSpec } from '@refinery/core';
import type { PipelineActivities } from '../activities';

export interface FineTuneRunInput {
  runId: string;
  spec: RunSpec;
}
export interface FineTuneRunResult {
  status: 'succeeded';
  datasetUri: string;
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
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['DatasetInvalid', 'SourceRejected'] },
});

/**
 * A fine-tuning run, told as a story: ingest the data, then each later stage in turn.
 * Adding a stage is one `await stage(...)` line here plus its activity.
 */
export async function fineTuneRun({ runId, spec }: FineTuneRunInput): Promise<FineTuneRunResult> {
  await projection.markRun({ runId, status: 'running' });
  try {
    const raw = await stage(runId, 'ingest', () => stages.ingestDataset({ runId, dataset: spec.dataset }), (r) => r.report);

    await projection.markRun({ runId, status: 'succeeded' });
    return { status: 'succeeded', datasetUri: raw.uri };
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
