import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities, setHandler, type ActivityOptions } from '@temporalio/workflow';
import type { FineTuneRunInput, FineTuneRunResult, GpuActivities, QuantizeResult, TrainResult } from '@refinery/core';
import {
  HumanDecisionSchema,
  STAGE_DEFINITIONS,
  TASK_QUEUES,
  type DecisionReceipt,
  type RunProgress,
  type StageDefinition,
  type StageName,
  type StageReport,
} from '@refinery/core/workflow-safe';
import type { PipelineActivities } from '../activities';
import { decideUpdate, progressQuery } from './messages';


type StageActivities = PipelineActivities & GpuActivities;

// Bookkeeping: short, and retried for a long time (Postgres may restart).
const projection = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 50 },
});

/**
 * A fine-tuning run, told as a story: ingest the data, redact it, hold out an evaluation split,
 * train a LoRA adapter on a GPU worker, merge it into the base, quantize the merged model to
 * GGUF, evaluate every variant and check the spec's gates. Each stage is one `runStage` line,
 * its timeouts and retries come from the stage's definition in @refinery/core. Without a
 * `training` section the run prepares its data and ends; a failed gate ends it `rejected`.
 */
export async function fineTuneRun({ runId, spec, submittedBy }: FineTuneRunInput): Promise<FineTuneRunResult> {
  const progress: RunProgress = { runId, status: 'running', currentStage: null, completedStages: [], awaitingDecision: null, decisions: [], submittedBy };

  // What a client may ask or tell the run while it runs.
  setHandler(progressQuery, () => progress);
  setHandler(
    decideUpdate,
    (decision): DecisionReceipt => {
      const receipt = { stage: progress.awaitingDecision!.stage, decision: decision.decision, actor: decision.actor, at: new Date().toISOString() };
      progress.decisions.push(receipt);
      progress.awaitingDecision = null;
      return receipt;
    },
    {
      // Refusals happen here, before anything is written to the run's history.
      validator: (decision) => {
        HumanDecisionSchema.parse(decision);
        if (!progress.awaitingDecision) {
          throw new Error(`run ${runId} is not awaiting a decision (it is ${progress.status}${progress.currentStage ? `, in stage ${progress.currentStage}` : ''})`);
        }
      },
    },
  );

  const runStage = stageRunner(runId, progress, spec.training?.gpu.pool ?? 'default');
  await projection.markRun({ runId, status: 'running' });
  try {
    const ingested = await runStage('ingest', (a) => a.ingestDataset({ runId, dataset: spec.dataset }));
    const redaction = spec.redaction;
    const clean = redaction
      ? (await runStage('redact', (a) => a.redactDataset({ runId, projectId: spec.project, dataset: ingested.dataset, format: spec.dataset.format, policy: redaction }))).dataset
      : ingested.dataset;

    let trained: TrainResult | null = null;
    if (spec.training) {
      const training = spec.training;
      const split = await runStage('split', (a) => a.splitDataset({ runId, dataset: clean, split: spec.split! }));
      trained = await runStage('train', (a) =>
        a.trainLora({
          runId,
          baseModelUri: spec.baseModel.uri,
          format: spec.dataset.format,
          train: split.train,
          eval: split.eval,
          training,
          ...(spec.evaluation?.canaries ? { canaries: spec.evaluation.canaries } : {}),
        }),
      );
      const { quantization, evaluation } = spec;
      if (quantization || evaluation) {
        const adapter = trained.adapter;
        const { merged } = await runStage('merge', (a) => a.mergeAdapter({ runId, baseModelUri: spec.baseModel.uri, adapter }));
        let ggufs: QuantizeResult['files'] = [];
        if (quantization) ggufs = (await runStage('quantize', (a) => a.quantizeModel({ runId, merged, formats: quantization.formats }))).files;
        if (evaluation) {
          const heldOut = split.eval;
          if (!heldOut) throw ApplicationFailure.nonRetryable('evaluation needs held-out records, but the split left none: raise split.eval or add records', 'EvaluationWithoutEvalSplit');
          const evaluated = await runStage('evaluate', (a) =>
            a.evaluateModels({ runId, baseModelUri: spec.baseModel.uri, format: spec.dataset.format, raw: ingested.dataset, eval: heldOut, merged, ggufs, evaluation }),
          );
          if (evaluation.gates.length) {
            const verdict = (await runStage('gates', (a) => a.checkRunGates({ runId, evaluation, evaluated: evaluated.report }))).report;
            if (!verdict.passed) {
              const reasons = verdict.results.filter((r) => r.passed === false).map((r) => `${r.gate} (${r.value ?? r.note})`);
              const message = `rejected by gates: ${reasons.join('; ')}`;
              progress.status = 'rejected';
              await projection.markRun({ runId, status: 'rejected', error: message });
              return { status: 'rejected', datasetUri: ingested.dataset.uri, adapterUri: adapter.uri };
            }
          }
        }
      }
    }

    progress.status = 'succeeded';
    await projection.markRun({ runId, status: 'succeeded' });
    return { status: 'succeeded', datasetUri: ingested.dataset.uri, adapterUri: trained?.adapter.uri ?? null };
  } catch (err) {
    if (isCancellation(err)) {
      progress.status = 'cancelled';
      await CancellationScope.nonCancellable(() => projection.markRun({ runId, status: 'cancelled' }));
      throw err;
    }
    const message = failureMessage(err);
    progress.status = 'failed';
    await projection.markRun({ runId, status: 'failed', error: message });
    throw ApplicationFailure.nonRetryable(message, 'RunFailed');
  }
}

/**
 * `runStage(name, call)`: runs one stage's activity with the options its definition gives (on
 * the GPU pool's queue for GPU stages) and records its start, outcome and report in the run's
 * timeline. Retries happen inside Temporal; the workers record each attempt.
 */
function stageRunner(runId: string, progress: RunProgress, gpuPool: string) {
  return async function runStage<S extends StageName, R extends { report: StageReport<S> }>(name: S, call: (activities: StageActivities) => Promise<R>): Promise<R> {
    progress.currentStage = name;
    await projection.stageStarted({ runId, stage: name, attempt: 1 });
    try {
      const result = await call(proxyActivities<StageActivities>(activityOptions(STAGE_DEFINITIONS[name], gpuPool)));
      await projection.stageFinished({ runId, stage: name, status: 'succeeded', metrics: result.report });
      progress.completedStages.push(name);
      return result;
    } catch (err) {
      const status = isCancellation(err) ? 'cancelled' : 'failed';
      await CancellationScope.nonCancellable(() =>
        projection.stageFinished({ runId, stage: name, status, error: status === 'failed' ? failureMessage(err) : undefined, metrics: failureDetails(err) }),
      );
      throw err;
    } finally {
      progress.currentStage = null;
    }
  };
}

function activityOptions(def: StageDefinition, gpuPool: string): ActivityOptions {
  const { retry, ...rest } = def.options;
  return {
    ...rest,
    retry: { ...retry, nonRetryableErrorTypes: [...(retry.nonRetryableErrorTypes ?? [])] },
    ...(def.queue === 'gpu' ? { taskQueue: TASK_QUEUES.gpu(gpuPool) } : {}),
  };
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
