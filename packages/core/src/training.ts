import { z } from 'zod';

/** The `split:` and `training:` sections of a RunSpec (camelCase; the trainer's config is snake_case). */
export const SplitSpec = z
  .object({
    eval: z.number().gt(0).lt(1).default(0.1).describe('fraction of records held out for evaluation'),
    seed: z.number().int().default(42),
  })
  .strict();
export type SplitSpec = z.infer<typeof SplitSpec>;

export const LoraSpec = z
  .object({
    r: z.number().int().min(1).max(1024).default(16),
    alpha: z.number().positive().default(32),
    dropout: z.number().min(0).lt(1).default(0.05),
    targetModules: z.union([z.literal('all-linear'), z.array(z.string().regex(/^[\w.]+$/)).min(1)]).default('all-linear'),
  })
  .strict();

/** Training methods: `sft` learns the answers of chat, prompt_completion or text data; `dpo` learns to prefer the chosen answer of preference pairs over the rejected one. */
export const TRAINING_METHODS = ['sft', 'dpo'] as const;
export type TrainingMethod = (typeof TRAINING_METHODS)[number];

/** `training.dpo` (with `method: dpo`): Direct Preference Optimization against the base model (the adapter switched off). */
export const DpoSpec = z
  .object({
    beta: z.number().gt(0).max(10).default(0.1).describe('how strongly the tuned model is held to the base model (the reference): higher stays closer; TRL and the DPO paper use 0.1'),
  })
  .strict();
export type DpoSpec = z.infer<typeof DpoSpec>;

export const TrainingSpec = z
  .object({
    // "lora" (the only value before DPO) reads as sft: both train a LoRA adapter on the answers.
    method: z
      .preprocess((v) => (v === 'lora' ? 'sft' : v), z.enum(TRAINING_METHODS))
      .default('sft')
      .describe('sft: learn the answers (chat, prompt_completion or text data); dpo: learn to prefer chosen over rejected answers (preference data)'),
    dpo: DpoSpec.optional().describe('with method dpo; its defaults apply when it is left out'),
    lora: LoraSpec.default(LoraSpec.parse({})),
    epochs: z.number().int().min(1).max(100).default(3),
    learningRate: z.number().gt(0).lt(1).default(2e-4),
    lrScheduler: z.enum(['linear', 'cosine', 'constant']).default('linear'),
    warmupRatio: z.number().min(0).lt(1).default(0),
    batchSize: z.number().int().min(1).max(4096).default(8),
    gradAccum: z.number().int().min(1).max(1024).default(1),
    maxSeqLen: z.number().int().min(8).max(131072).default(512),
    seed: z.number().int().default(42),
    maxSteps: z.number().int().min(1).optional(),
    checkpointEvery: z.number().int().min(1).default(50).describe('optimizer steps between checkpoints'),
    evalEvery: z.number().int().min(1).optional().describe('extra evaluations every N steps (evaluation always runs at the start, each epoch end and the end)'),
    weightDecay: z.number().min(0).default(0).describe('AdamW weight decay'),
    maxGradNorm: z.number().gt(0).nullable().default(1).describe('gradient clipping norm; null disables clipping'),
    packing: z
      .boolean()
      .optional()
      .describe('several records per sequence of up to maxSeqLen tokens, each attending only to itself (batchSize then counts packed sequences); default: on for chat and prompt_completion data, off otherwise'),
    gradientCheckpointing: z.boolean().default(false).describe('recompute activations in the backward pass: less memory, about a third more compute'),
    quantizeBase: z.enum(['nf4']).optional().describe('QLoRA: load the frozen base in 4-bit NF4 (bitsandbytes); the adapter trains in full precision'),
    gpu: z
      .object({ pool: z.string().regex(/^[a-z0-9-]+$/).default('default'), count: z.number().int().min(1).max(8).default(1) })
      .strict()
      .default({ pool: 'default', count: 1 }),
  })
  .strict();
export type TrainingSpec = z.infer<typeof TrainingSpec>;

/** Whether a run packs its training records: `training.packing` if given, else on for chat and prompt_completion data. */
export function packingFor(training: Pick<TrainingSpec, 'packing'>, format: string): boolean {
  return training.packing ?? (format === 'chat' || format === 'prompt_completion');
}
