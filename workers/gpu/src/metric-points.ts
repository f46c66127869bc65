import type { z } from 'zod';
import type { MetricPointInput } from '@refinery/db';
import type { DPO_PROTOCOL, TRAIN_PROTOCOL } from './trainer-events';

/**
 * The training_metrics rows a trainer's `step` and `eval` events become (the live curves of the
 * run page and `GET /runs/{id}/metrics`). Each method fills the columns its events carry and
 * leaves the other's null: SFT steps have padding and peak memory, DPO steps and evals rewards.
 */
type ProgressOf<P extends { progress: z.ZodType }> = z.infer<P['progress']>;
type StepOf<P extends { progress: z.ZodType }> = Extract<ProgressOf<P>, { event: 'step' }>;
type EvalOf<P extends { progress: z.ZodType }> = Extract<ProgressOf<P>, { event: 'eval' }>;

type SftStep = StepOf<typeof TRAIN_PROTOCOL>;
type DpoStep = StepOf<typeof DPO_PROTOCOL>;
type SftEval = EvalOf<typeof TRAIN_PROTOCOL>;
type DpoEval = EvalOf<typeof DPO_PROTOCOL>;

const trainPoint = (runId: string, e: SftStep | DpoStep): MetricPointInput => ({
  runId,
  kind: 'train',
  step: e.step,
  epoch: e.epoch,
  loss: e.loss,
  learningRate: e.learning_rate,
  tokensPerSecond: e.tokens_per_second, // real tokens: the trainer counts non-padding tokens only
  etaSeconds: e.eta_seconds,
  totalSteps: e.total_steps,
});

export const sftStepPoint = (runId: string, e: SftStep): MetricPointInput => ({
  ...trainPoint(runId, e),
  paddingFraction: e.padding_fraction,
  peakMemoryBytes: e.peak_memory_bytes,
});

export const dpoStepPoint = (runId: string, e: DpoStep): MetricPointInput => ({
  ...trainPoint(runId, e),
  rewardAccuracy: e.reward_accuracy,
  rewardMargin: e.reward_margin,
});

export const sftEvalPoint = (runId: string, e: SftEval, totalSteps: number | null): MetricPointInput => ({
  runId,
  kind: 'eval',
  step: e.step,
  loss: e.eval_loss,
  totalSteps,
});

export const dpoEvalPoint = (runId: string, e: DpoEval, totalSteps: number | null): MetricPointInput => ({
  ...sftEvalPoint(runId, e, totalSteps),
  rewardAccuracy: e.reward_accuracy,
  rewardMargin: e.reward_margin,
});
