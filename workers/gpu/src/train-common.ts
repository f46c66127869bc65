import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainInput, TrainReport, TrainResult } from '@refinery/core';
import { stageDirectorySource } from '@refinery/storage';
import type { GpuDeps } from './deps';
import { canaries } from './canaries';
import type { JobPaths } from './job-runner';
import { fetchFile, storeDirectory } from './stored-outputs';

/** What the train stage's methods (sft: train-activity.ts, dpo: dpo-train-activity.ts) share. */

/** Canaries go into this job's copy of the training data only: never into an artifact or the eval split. */
export async function withCanaries(trainFile: string, input: TrainInput): Promise<string> {
  if (!input.canaries) return trainFile;
  const lines = canaries(input.runId, input.canaries, input.format).map((c) => `${JSON.stringify(c.record)}\n`);
  await appendFile(trainFile, lines.join(''));
  return trainFile;
}

export function recordAdapter(deps: GpuDeps, input: TrainInput, adapterDir: string, report: TrainReport): Promise<TrainResult['adapter']> {
  return storeDirectory(deps, adapterDir, {
    runId: input.runId,
    stage: 'train',
    kind: 'adapter',
    metadata: { ...report, baseModel: input.baseModelUri, format: 'peft-lora' },
    from: [
      { artifactId: input.train.artifactId, relation: 'trained_on' },
      ...(input.eval ? [{ artifactId: input.eval.artifactId, relation: 'evaluated_on' }] : []),
    ],
  });
}

/**
 * The config fields every LoRA training verb (train, dpo) takes, all of them sent: the trainer
 * restates no defaults. Stages the inputs into the job's scratch directory.
 */
export async function loraTrainerConfig(deps: GpuDeps, input: TrainInput, paths: JobPaths) {
  const t = input.training;
  return {
    base_model: await stageDirectorySource(input.baseModelUri, deps.sources, join(paths.scratch, 'base-model')),
    train_file: await withCanaries(await fetchFile(deps, input.train.uri, join(paths.scratch, 'train.jsonl')), input),
    eval_file: input.eval ? await fetchFile(deps, input.eval.uri, join(paths.scratch, 'eval.jsonl')) : null,
    format: input.format,
    output_dir: paths.outputDir,
    resume_from: paths.resumeFrom,
    lora: { r: t.lora.r, alpha: t.lora.alpha, dropout: t.lora.dropout, target_modules: t.lora.targetModules },
    epochs: t.epochs,
    learning_rate: t.learningRate,
    lr_scheduler: t.lrScheduler,
    warmup_ratio: t.warmupRatio,
    batch_size: t.batchSize,
    grad_accum: t.gradAccum,
    max_seq_len: t.maxSeqLen,
    seed: t.seed,
    checkpoint_every: t.checkpointEvery,
    max_steps: t.maxSteps ?? null,
    device: 'auto',
    eval_every: t.evalEvery ?? null,
    weight_decay: t.weightDecay,
    max_grad_norm: t.maxGradNorm,
  };
}
