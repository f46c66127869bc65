import { ApplicationFailure, CancellationScope, condition, isCancellation, patched, proxyActivities, setHandler, type ActivityOptions } from '@temporalio/workflow';
import type { ApprovalReport, ApprovalSpec, EvaluateReport, FineTuneRunInput, FineTuneRunResult, GatesReport, GpuActivities, QuantizeResult, TrainResult } from '@refinery/core';
import {
  DEFAULT_RUN_PRIORITY,
  decisionRefusal,
  durationMs,
  gpuResource,
  HumanDecisionSchema,
  STAGE_DEFINITIONS,
  TASK_QUEUES,
  type DecisionReceipt,
  type RunProgress,
  type StageDefinition,
  type StageName,
  type StageReport,
  RUNS_RESOURCE,
} from '@refinery/core/workflow-safe';
import type { PipelineActivities } from '../activities';
import { decideUpdate, progressQuery } from './messages';
import { quotaSlots } from './quota-slots';

/** Runs started before fair queuing replay without asking for slots. */
const QUOTAS_PATCH = 'project-quotas';


type StageActivities = PipelineActivities & GpuActivities;

// Bookkeeping: short, and retried for a long time (Postgres may restart).
const projection = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 50 },
});

/**
 * A fine-tuning run, told as a story: ingest the data, redact it, hold out an evaluation split,
 * train a LoRA adapter on a GPU worker, merge it into the base, quantize the merged model to
 * GGUF, evaluate every variant, check the spec's gates, wait for reviewers' approval and register
 * the model in the registry, moving the spec's alias to it. Each
 * stage is one `runStage` line, its timeouts and retries come from the stage's definition in
 * @refinery/core. Without a `training` section the run prepares its data and ends; a failed gate
 * ends it `rejected` (or, with `onFail: review`, goes to the reviewers with the failure shown);
 * a reviewer's rejection ends it `rejected`, no decision before the timeout `expired`.
 */
export async function fineTuneRun({ runId, spec, submittedBy }: FineTuneRunInput): Promise<FineTuneRunResult> {
  const progress: RunProgress = { runId, status: 'running', currentStage: null, completedStages: [], awaitingDecision: null, decisions: [], submittedBy };

  // What a client may ask or tell the run while it runs.
  setHandler(progressQuery, () => progress);
  setHandler(
    decideUpdate,
    (decision): DecisionReceipt => {
      const { actor, comment, evidenceSha256 } = decision;
      const receipt = { stage: progress.awaitingDecision!.stage, decision: decision.decision, actor, comment, evidenceSha256, at: new Date().toISOString() };
      progress.decisions.push(receipt);
      return receipt;
    },
    {
      // Refusals happen here, before anything is written to the run's history: not awaiting,
      // the submitter, no reviewer role, a second vote by the same person, stale evidence.
      validator: (decision) => {
        HumanDecisionSchema.parse(decision);
        const { status, currentStage, awaitingDecision: awaiting, decisions: decided } = progress;
        const refusal = decisionRefusal(decision, { runId, submittedBy, awaiting, decided, status, currentStage });
        if (refusal) throw new Error(refusal.message);
      },
    },
  );

  const gpuPool = spec.training?.gpu.pool ?? 'default';
  const runStage = stageRunner(runId, progress, gpuPool);
  // Fair queuing: the run computes only while its project is under its limits (it waits `queued`).
  const quotas = patched(QUOTAS_PATCH) ? quotaSlots({ project: spec.project, runId, priority: spec.priority ?? DEFAULT_RUN_PRIORITY }) : null;
  // Every way out gives its slots back before the final status is recorded, so whoever sees the
  // status sees a closed (or closing) workflow holding no slot.
  const releaseSlots = () => (quotas ? CancellationScope.nonCancellable(() => quotas.releaseAll()) : Promise.resolve());
  try {
    await quotas?.acquire(RUNS_RESOURCE);
    await projection.markRun({ runId, status: 'running' });
    const ingested = await runStage('ingest', (a) => a.ingestDataset({ runId, dataset: spec.dataset, cache: spec.cache?.ingest !== false }));
    const redaction = spec.redaction;
    const clean = redaction
      ? (await runStage('redact', (a) => a.redactDataset({ runId, projectId: spec.project, dataset: ingested.dataset, format: spec.dataset.format, policy: redaction, cache: spec.cache?.redact !== false }))).dataset
      : ingested.dataset;

    let trained: TrainResult | null = null;
    const evidence: { evaluation: EvaluateReport | null; gates: GatesReport | null } = { evaluation: null, gates: null };
    if (spec.training) {
      const training = spec.training;
      const split = await runStage('split', (a) => a.splitDataset({ runId, dataset: clean, split: spec.split!, cache: spec.cache?.split !== false }));
      // The GPU stages hold one of the project's slots in the pool, from train until evaluate.
      const gpu = gpuResource(gpuPool);
      const { waited } = (await quotas?.acquire(gpu, async () => {
        progress.status = 'queued';
        await projection.markRun({ runId, status: 'queued' });
      })) ?? { waited: false };
      if (waited) {
        progress.status = 'running';
        await projection.markRun({ runId, status: 'running' });
      }
      trained = await runStage('train', (a) =>
        a.trainLora({
          runId,
          baseModelUri: spec.baseModel.uri,
          format: spec.dataset.format,
          train: split.train,
          eval: split.eval,
          training,
          ...(spec.evaluation?.canaries ? { canaries: spec.evaluation.canaries } : {}),
          cache: spec.cache?.train === true,
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
            a.evaluateModels({ runId, baseModelUri: spec.baseModel.uri, format: spec.dataset.format, raw: ingested.dataset, eval: heldOut, merged, ggufs, evaluation, ...(training.dpo ? { dpoBeta: training.dpo.beta } : {}) }),
          );
          evidence.evaluation = evaluated.report;
          if (evaluation.gates.length) {
            const verdict = (await runStage('gates', (a) => a.checkRunGates({ runId, evaluation, evaluated: evaluated.report, model: { project: spec.project, name: spec.promotion?.model ?? spec.name } }))).report;
            evidence.gates = verdict;
            if (!verdict.passed && evaluation.onFail === 'reject') {
              const reasons = verdict.results.filter((r) => r.passed === false).map((r) => `${r.gate} (${r.value ?? r.note})`);
              const message = `rejected by gates: ${reasons.join('; ')}`;
              progress.status = 'rejected';
              await releaseSlots();
              await projection.markRun({ runId, status: 'rejected', error: message });
              return { status: 'rejected', datasetUri: ingested.dataset.uri, adapterUri: adapter.uri };
            }
          }
        }
      }
      await quotas?.release(gpu);
    }
    // Waiting for people computes nothing: the run's slot goes to the next in line.
    await quotas?.release(RUNS_RESOURCE);

    if (spec.approval) {
      const approval = spec.approval;
      const { report } = await runStage('approval', (a) => awaitApproval(a, { runId, submittedBy, approval, evidence, progress }));
      if (report.outcome !== 'approved') {
        const status = report.outcome === 'expired' ? 'expired' : 'rejected';
        const no = report.decisions.find((d) => d.decision === 'reject');
        const message = no
          ? `rejected by ${no.actor}: ${no.comment}`
          : `expired: ${report.decisions.length} of ${report.required} approvals by ${report.expiresAt}`;
        progress.status = status;
        await projection.markRun({ runId, status, error: message });
        return { status, datasetUri: ingested.dataset.uri, adapterUri: trained?.adapter.uri ?? null };
      }
      await projection.markRun({ runId, status: 'running' }); // approved: no longer waiting
    }

    if (spec.promotion) {
      const { model = spec.name, alias } = spec.promotion;
      await runStage('promote', (a) => a.promoteModel({ runId, project: spec.project, model, alias }));
    }

    progress.status = 'succeeded';
    await projection.markRun({ runId, status: 'succeeded' });
    return { status: 'succeeded', datasetUri: ingested.dataset.uri, adapterUri: trained?.adapter.uri ?? null };
  } catch (err) {
    if (isCancellation(err)) {
      progress.status = 'cancelled';
      await releaseSlots();
      await CancellationScope.nonCancellable(() => projection.markRun({ runId, status: 'cancelled' }));
      throw err;
    }
    const message = failureMessage(err);
    progress.status = 'failed';
    await releaseSlots();
    await projection.markRun({ runId, status: 'failed', error: message });
    throw ApplicationFailure.nonRetryable(message, 'RunFailed');
  }
}

/**
 * The approval stage: put the evidence in front of the reviewers, then wait (durably, across
 * worker and server restarts) until enough distinct reviewers approved, one rejected, or the
 * timeout passed. Decisions arrive through the `decide` update, whose validator refuses the
 * submitter, non-reviewers, second votes and stale evidence.
 */
async function awaitApproval(
  a: StageActivities,
  { runId, submittedBy, approval, evidence, progress }: { runId: string; submittedBy: string; approval: ApprovalSpec; evidence: { evaluation: EvaluateReport | null; gates: GatesReport | null }; progress: RunProgress },
): Promise<{ report: ApprovalReport }> {
  const opened = await a.openApproval({ runId, submittedBy, approval, evidence });
  progress.status = 'awaiting_approval';
  progress.awaitingDecision = { stage: 'approval', since: opened.requestedAt, required: approval.required, evidenceSha256: opened.evidenceSha256 };
  const votes = () => progress.decisions.filter((d) => d.stage === 'approval');
  const settled = () => votes().some((d) => d.decision === 'reject') || votes().filter((d) => d.decision === 'approve').length >= approval.required;
  const decided = await condition(settled, durationMs(approval.timeout));
  progress.awaitingDecision = null;
  progress.status = 'running';
  const decisions = votes().map(({ stage: _stage, ...d }) => d);
  const outcome = !decided ? 'expired' : decisions.some((d) => d.decision === 'reject') ? 'rejected' : 'approved';
  return a.recordApproval({ runId, report: { ...opened, outcome, decisions } });
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
