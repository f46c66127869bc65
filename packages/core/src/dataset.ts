import { z } from 'zod';
import type { DatasetFormat } from './runspec';

/** One JSONL record per dataset format. Extra top-level fields (ids, metadata) are kept. */
export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;

const text = z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') }).min(1, 'must not be empty');

export const ChatRecordSchema = z.object({
  messages: z
    .array(
      z.object({
        role: z.enum(CHAT_ROLES, { error: (i) => (i.input === undefined ? 'is required' : `invalid role ${JSON.stringify(i.input)}; expected one of ${CHAT_ROLES.join(', ')}`) }),
        content: text,
      }),
      { error: (i) => (i.input === undefined ? 'is required' : 'must be an array of {role, content}') },
    )
    .min(1, 'must contain at least one message')
    .refine((m) => m.some((x) => x.role === 'assistant'), 'has no assistant message to learn from'),
});

export const PromptCompletionRecordSchema = z.object({ prompt: text, completion: text });
export const TextRecordSchema = z.object({ text });

export const RECORD_SCHEMAS: Record<DatasetFormat, z.ZodType> = {
  chat: ChatRecordSchema,
  prompt_completion: PromptCompletionRecordSchema,
  text: TextRecordSchema,
};

export type ChatRecord = z.infer<typeof ChatRecordSchema>;
