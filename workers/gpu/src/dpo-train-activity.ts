import { readFile } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import { DpoSpec, type TrainHeartbeat, type TrainInput, type TrainReport, type TrainResult } from '@refinery/core';
import type { GpuDeps } from './deps';
import { runTrainerJob, type JobPaths } from './job-runner';
import { MetricsWriter } from './metrics-writer';
import { dpoEvalPoint, dpoStepPoint } from './metric-points';
import { loraTrainerConfig, recordAdapter } from './train-common';
import { DPO_PROTOCOL } from './trainer-events';

/** What the trainer's metrics.json says about each eval (PROTOCOL.md, `dpo`). */
interface DpoMetricsFile {
  train_seconds?: number;
  device?: string;
  evals?: { step: number; eval_loss: number | null; reward_accuracy: number | null; reward_margin: number | null }[];
}

/**
 * The train stage with `training.method: dpo` (trainer verb `dpo`): like SFT's, progress goes
 * to heartbeats and training_metrics (loss, learning rate, tokens/s, reward accuracy and margin;
 * evals as DPO loss with the eval pairs' rewards), and the adapter is recorded with its lineage.
 * The latest rewards also ride in the heartbeat, and every eval's are kept in the train report.
 */
export async function trainDpo(deps: GpuDeps, input: TrainInput): Promise<TrainResult> {
  const ctx = Context.current();
  const progress: Omit<TrainHeartbeat, 'checkpoint'> & { rewardAccuracy: number | null; rewardMargin: number | null } = { step: 0, totalSteps: null, loss: null, rewardAccuracy: null, rewardMargin: null };
  const metrics = new MetricsWriter(deps.db, { onError: (err) => ctx.log.warn(`metrics write failed: ${err.message}`) });
  let start: { resumed_from_step: number | null; device: string } | undefined;
  try {
    return await runTrainerJob(deps, {
      runId: input.runId,
      protocol: DPO_PROTOCOL,
      progress,
      prepare: (paths) => dpoTrainerConfig(deps, input, paths),
      onEvent: (e) => {
        if (e.event === 'start') {
          start = e;
          progress.totalSteps = e.total_steps;
        } else if (e.event === 'step') {
          Object.assign(progress, { step: e.step, loss: e.loss, rewardAccuracy: e.reward_accuracy, rewardMargin: e.reward_margin });
          metrics.add(dpoStepPoint(input.runId, e));
        } else if (e.event === 'eval') {
          metrics.add(dpoEvalPoint(input.runId, e, progress.totalSteps));
        }
      },
      finish: async (done, { attempt }) => {
        const trainer = JSON.parse(await readFile(done.metrics_path, 'utf8')) as DpoMetricsFile;
        const report: TrainReport = {
          steps: done.step,
          totalSteps: progress.totalSteps ?? done.step,
          trainLoss: done.train_loss,
          evalLoss: done.eval_loss,
          baseEvalLoss: done.base_eval_loss,
          resumedFromStep: start?.resumed_from_step ?? null,
          attempt,
          device: trainer.device ?? start?.device ?? 'unknown',
          trainSeconds: trainer.train_seconds ?? null,
          method: 'dpo',
          preference: {
            beta: done.beta,
            rewardAccuracy: done.reward_accuracy,
            rewardMargin: done.reward_margin,
            trainRewardAccuracy: done.train_reward_accuracy,
            trainRewardMargin: done.train_reward_margin,
            evals: (trainer.evals ?? []).map((x) => ({ step: x.step, loss: x.eval_loss, rewardAccuracy: x.reward_accuracy, rewardMargin: x.reward_margin })),
          },
        };
        return { adapter: await recordAdapter(deps, input, done.adapter_dir, report), report };
      },
    });
  } finally {
    await metrics.close();
  }
}

/**
 * The trainer's complete `dpo` config: every field is sent, the trainer restates no defaults.
 * Only the settings the DPO recipe implements: SFT-only ones are refused when the spec is validated.
 */
async function dpoTrainerConfig(deps: GpuDeps, input: TrainInput, paths: JobPaths) {
  const t = input.training;
  const dpo = t.dpo ?? DpoSpec.parse({});
  return { ...(await loraTrainerConfig(deps, input, paths)), beta: dpo.beta };
}
