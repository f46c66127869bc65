import { z } from 'zod';

/** The trainer's stdout protocol (workers/trainer/PROTOCOL.md), validated line by line. */
const num = z.number().nullable();

export const TrainerEventSchema = z.discriminatedUnion('event', [
  z.object({
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
  }),
  z.object({
    event: z.literal('step'),
    step: z.number().int(),
    total_steps: z.number().int(),
    epoch: z.number(),
    loss: num,
    learning_rate: z.number(),
    tokens_per_second: z.number(),
    eta_seconds: z.number(),
  }),
  z.object({ event: z.literal('checkpoint'), step: z.number().int(), path: z.string() }),
  z.object({ event: z.literal('eval'), step: z.number().int(), eval_loss: num }),
  z.object({
    event: z.literal('done'),
    step: z.number().int(),
    adapter_dir: z.string(),
    metrics_path: z.string(),
    train_loss: num,
    eval_loss: num,
    base_eval_loss: num,
  }),
  z.object({ event: z.literal('cancelled'), step: z.number().int(), checkpoint: z.string().nullable() }),
  z.object({ event: z.literal('error'), message: z.string(), kind: z.enum(['invalid_input', 'runtime']) }),
]);
export type TrainerEvent = z.infer<typeof TrainerEventSchema>;

export class TrainerProtocolError extends Error {}

export function parseTrainerLine(line: string): TrainerEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new TrainerProtocolError(`trainer wrote a non-JSON line to stdout: ${line.slice(0, 200)}`);
  }
  const parsed = TrainerEventSchema.safeParse(value);
  if (!parsed.success) throw new TrainerProtocolError(`trainer event does not match the protocol (${parsed.error.issues[0]?.message}): ${line.slice(0, 200)}`);
  return parsed.data;
}
