import { z } from 'zod';
import { STAGE_DEFINITIONS } from '@refinery/core';

/**
 * The trainer's stdout protocol (workers/trainer/PROTOCOL.md), validated line by line. Every
 * verb shares the closing events (`checkpoint`, `cancelled`, `error`) and ends with `done`,
 * whose payload each verb defines; verbs add their own progress events.
 */
const num = z.number().nullable();

export const CommonEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('checkpoint'), step: z.number().int(), path: z.string() }),
  z.object({ event: z.literal('cancelled'), step: z.number().int(), checkpoint: z.string().nullable() }),
  z.object({ event: z.literal('error'), message: z.string(), kind: z.enum(['invalid_input', 'runtime']) }),
  // After the closing event, at exit: the trainer's getrusage (itself + its waited-for children), for cost accounting.
  z.object({ event: z.literal('usage'), cpu_seconds: z.number().nonnegative(), user_seconds: z.number().nonnegative(), system_seconds: z.number().nonnegative(), max_rss_bytes: z.number().int().nonnegative() }),
]);
export type CommonEvent = z.infer<typeof CommonEventSchema>;

/** What one trainer verb says on stdout besides the common events. */
export interface VerbProtocol<P extends z.ZodType<{ event: string }>, D extends z.ZodType<{ event: 'done' }>> {
  verb: string;
  /** The verb's progress events (a discriminated union on `event`). */
  progress: P;
  /** The `done` event's payload. */
  done: D;
}

/** The start event and step fields both training verbs (train, dpo) send. */
const trainingStart = z.object({
  event: z.literal('start'),
  total_steps: z.number().int(),
  epochs: z.number().int(),
  device: z.string(),
  dtype: z.string(),
  train_records: z.number().int(),
  eval_records: z.number().int(),
  trainable_params: z.number().int(),
  total_params: z.number().int(),
  resumed_from_step: z.number().int().nullable(),
});
const stepFields = {
  step: z.number().int(),
  total_steps: z.number().int(),
  epoch: z.number(),
  loss: num,
  learning_rate: z.number(),
  tokens_per_second: z.number(),
  eta_seconds: z.number(),
};

/** `train`: LoRA fine-tuning. */
export const TRAIN_PROTOCOL = {
  verb: STAGE_DEFINITIONS.train.trainerVerb,
  progress: z.discriminatedUnion('event', [
    trainingStart,
    z.object({
      event: z.literal('step'),
      ...stepFields,
      padding_fraction: z.number().min(0).max(1),
      peak_memory_bytes: z.number().int().nonnegative(),
    }),
    z.object({ event: z.literal('eval'), step: z.number().int(), eval_loss: num }),
  ]),
  done: z.object({
    event: z.literal('done'),
    step: z.number().int(),
    adapter_dir: z.string(),
    metrics_path: z.string(),
    train_loss: num,
    eval_loss: num,
    base_eval_loss: num,
  }),
} satisfies AnyVerbProtocol;

/**
 * `dpo`: the train stage with `training.method: dpo` (recipe lora_dpo). Its own contract, not an
 * extension of train's: the same start event, and steps, evals and done that add the rewards of the
 * chosen vs the rejected answers (accuracy: the fraction of pairs whose chosen answer has the
 * higher reward; margin: the mean difference).
 */
const rewards = { reward_accuracy: num, reward_margin: num };
export const DPO_PROTOCOL = {
  verb: 'dpo',
  progress: z.discriminatedUnion('event', [
    trainingStart,
    z.object({
      event: z.literal('step'),
      ...stepFields,
      ...rewards,
    }),
    z.object({ event: z.literal('eval'), step: z.number().int(), eval_loss: num, ...rewards }),
  ]),
  done: z.object({
    event: z.literal('done'),
    step: z.number().int(),
    adapter_dir: z.string(),
    metrics_path: z.string(),
    beta: z.number(),
    train_loss: num,
    eval_loss: num,
    base_eval_loss: num,
    ...rewards,
    train_reward_accuracy: num,
    train_reward_margin: num,
  }),
} satisfies AnyVerbProtocol;

export type AnyVerbProtocol = VerbProtocol<z.ZodType<{ event: string }>, z.ZodType<{ event: 'done' }>>;

export type TrainerEvent<P extends AnyVerbProtocol> = CommonEvent | z.infer<P['progress']> | z.infer<P['done']>;

export class TrainerProtocolError extends Error {}

/** Parses one stdout line against the common events, then the verb's progress and done events. */
export function parseTrainerLine<P extends AnyVerbProtocol>(protocol: P, line: string): TrainerEvent<P> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new TrainerProtocolError(`trainer wrote a non-JSON line to stdout: ${line.slice(0, 200)}`);
  }
  const event = (value as { event?: unknown } | null)?.event;
  const schema = event === 'done' ? protocol.done : ['checkpoint', 'cancelled', 'error', 'usage'].includes(event as string) ? CommonEventSchema : protocol.progress;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new TrainerProtocolError(`trainer ${protocol.verb} event does not match the protocol (${parsed.error.issues[0]?.message}): ${line.slice(0, 200)}`);
  }
  return parsed.data as TrainerEvent<P>;
}

/** `merge`: the adapter merged into the base, saved as safetensors with the base tokenizer files. */
export const MERGE_PROTOCOL = {
  verb: STAGE_DEFINITIONS.merge.trainerVerb,
  progress: z.discriminatedUnion('event', [z.object({ event: z.literal('progress'), phase: z.string() })]),
  done: z.object({
    event: z.literal('done'),
    merged_dir: z.string(),
    parameters: z.number().int(),
    dtype: z.string(),
    tokenizer_files: z.array(z.string()),
    seconds: z.number(),
  }),
} satisfies AnyVerbProtocol;

/** `quantize`: llama.cpp's converter (f16) and quantizer (the other formats). */
export const QUANTIZE_PROTOCOL = {
  verb: STAGE_DEFINITIONS.quantize.trainerVerb,
  progress: z.discriminatedUnion('event', [
    z.object({ event: z.literal('progress'), phase: z.string(), format: z.string().nullable().optional(), done: z.number().int(), total: z.number().int() }),
  ]),
  done: z.object({
    event: z.literal('done'),
    llama_cpp: z.object({ commit: z.string() }),
    files: z.array(z.object({ format: z.string(), path: z.string(), bytes: z.number().int(), seconds: z.number() })),
    tokenizer_parity: z.object({ equal: z.boolean() }).passthrough(),
    gguf: z.object({ architecture: z.string() }).passthrough(),
    chat_prompt: z.object({ messages: z.array(z.object({ role: z.enum(['system', 'user']), content: z.string() })), text: z.string(), hf_tokens: z.array(z.number().int()) }),
    chat_format: z.discriminatedUnion('supported', [
      z.object({
        supported: z.literal(true),
        bos: z.string(),
        add_bos_token: z.boolean(),
        system: z.object({ placement: z.enum(['turn', 'first_user']), prefix: z.string(), suffix: z.string() }),
        user: z.object({ prefix: z.string(), suffix: z.string() }),
        assistant: z.object({ prefix: z.string(), suffix: z.string() }),
        generation_prompt: z.string(),
        default_system: z.string().nullable(),
        eos_token: z.string().nullable(),
      }),
      z.object({ supported: z.literal(false), reason: z.string() }),
    ]),
  }),
} satisfies AnyVerbProtocol;

/** `evaluate`: every variant on the eval split. */
export const EVALUATE_PROTOCOL = {
  verb: STAGE_DEFINITIONS.evaluate.trainerVerb,
  progress: z.discriminatedUnion('event', [z.object({ event: z.literal('progress'), variant: z.string(), done: z.number().int(), total: z.number().int() })]),
  done: z.object({
    event: z.literal('done'),
    examples: z.number().int(),
    variants: z.array(
      z.object({
        variant: z.string(),
        loss: num,
        perplexity: num,
        metrics: z.record(z.string(), z.number()),
        kl_divergence: num.optional(),
        answer_loss: num.optional(),
        top1_agreement: num.optional(),
        seconds: z.number(),
        examples_per_second: num,
      }),
    ),
    samples: z.array(z.object({ index: z.number().int(), prompt: z.string(), reference: z.string(), outputs: z.record(z.string(), z.string()) })),
    /** JSONL of every generation ({variant, index, text}); read on this host, never sent anywhere. */
    generations_file: z.string(),
    /** Per canary (config order): the 1-based rank of its true continuation among its candidates. */
    canary_ranks: z.array(z.number().int().min(1)),
  }),
} satisfies AnyVerbProtocol;
