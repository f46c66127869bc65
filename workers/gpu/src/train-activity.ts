import { readFile } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import { packingFor, type TrainHeartbeat, type TrainInput, type TrainReport, type TrainResult } from '@refinery/core';
import type { GpuDeps } from './deps';
import { runTrainerJob, type JobPaths } from './job-runner';
import { MetricsWriter } from './metrics-writer';
import { sftEvalPoint, sftStepPoint } from './metric-points';
import { loraTrainerConfig, recordAdapter } from './train-common';
import { trainDpo } from './dpo-train-activity';
import { reuseTrainedAdapter } from './train-cache';
import { TRAIN_PROTOCOL } from './trainer-events';

/**
 * Train a LoRA adapter (trainer verb `train`; `dpo` for preference data), unless step caching
 * reuses an earlier run's (train-cache.ts): stream its progress into heartbeats and Postgres,
 * then record the adapter with its lineage. Checkpoints, resume, cancel and cleanup are the job
 * runner's.
 */
export function trainActivities(deps: GpuDeps) {
  return {
    async trainLora(input: TrainInput): Promise<TrainResult> {
      // Step caching (opt-in, cache.train): an earlier run's adapter for the same key, before any work.
      const reused = await reuseTrainedAdapter(deps, input);
      if (reused) return reused;
      if (input.training.method === 'dpo') return trainDpo(deps, input);
      const ctx = Context.current();
      const progress: Omit<TrainHeartbeat, 'checkpoint'> = { step: 0, totalSteps: null, loss: null };
      const metrics = new MetricsWriter(deps.db, { onError: (err) => ctx.log.warn(`metrics write failed: ${err.message}`) });
      let start: { resumed_from_step: number | null; device: string } | undefined;
      try {
        return await runTrainerJob(deps, {
          runId: input.runId,
          protocol: TRAIN_PROTOCOL,
          progress,
          prepare: (paths) => trainerConfig(deps, input, paths),
          onEvent: (e) => {
            if (e.event === 'start') {
              start = e;
              progress.totalSteps = e.total_steps;
            } else if (e.event === 'step') {
              Object.assign(progress, { step: e.step, loss: e.loss });
              metrics.add(sftStepPoint(input.runId, e));
            } else if (e.event === 'eval') {
              metrics.add(sftEvalPoint(input.runId, e, progress.totalSteps));
            }
          },
          finish: async (done, { attempt }) => {
            const trainer = JSON.parse(await readFile(done.metrics_path, 'utf8')) as TrainerMetricsFile;
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
              ...trainerUsage(trainer),
            };
            return { adapter: await recordAdapter(deps, input, done.adapter_dir, report), report };
          },
        });
      } finally {
        await metrics.close();
      }
    },
  };
}

/** The parts of the trainer's metrics.json the report carries (PROTOCOL.md, Outputs). */
interface TrainerMetricsFile {
  train_seconds?: number;
  device?: string;
  packing?: boolean;
  train_rows?: number;
  precision?: string;
  micro_batch_size?: number;
  micro_batches_per_step?: number;
  gradient_checkpointing?: boolean;
  quantize_base?: string | null;
  real_tokens?: number;
  padding_fraction?: number | null;
  real_tokens_per_s?: number | null;
  peak_memory_bytes?: number | null;
}

/** Packing, precision and memory figures for the whole run (training_metrics has the per-step padding and memory). */
function trainerUsage(m: TrainerMetricsFile): Partial<TrainReport> {
  if (m.packing === undefined) return {};
  return {
    packing: m.packing,
    trainRows: m.train_rows ?? null,
    precision: m.precision ?? null,
    microBatchSize: m.micro_batch_size ?? null,
    microBatchesPerStep: m.micro_batches_per_step ?? null,
    gradientCheckpointing: m.gradient_checkpointing ?? false,
    quantizeBase: m.quantize_base ?? null,
    realTokens: m.real_tokens ?? null,
    paddingFraction: m.padding_fraction ?? null,
    realTokensPerSecond: m.real_tokens_per_s ?? null,
    peakMemoryBytes: m.peak_memory_bytes ?? null,
  };
}

/** The trainer's complete `train` config: the shared LoRA fields plus SFT's own. */
async function trainerConfig(deps: GpuDeps, input: TrainInput, paths: JobPaths) {
  const t = input.training;
  return {
    ...(await loraTrainerConfig(deps, input, paths)),
    packing: packingFor(t, input.format),
    gradient_checkpointing: t.gradientCheckpointing,
    quantize_base: t.quantizeBase ?? null,
  };
}
