import { appendFile } from 'node:fs/promises';
import type { TrainInput, TrainReport, TrainResult } from '@refinery/core';
import type { GpuDeps } from './deps';
import { canaries } from './canaries';
import { storeDirectory } from './stored-outputs';

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
