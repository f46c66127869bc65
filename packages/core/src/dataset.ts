import { z } from 'zod';
import type { DatasetFormat } from './runspec';

/** One JSONL record per dataset format. Extra top-level fields (ids, metadata) are kept. */
export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;

const text = z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') }).min(1, 'must not be empty');

const chatMessages = z
  .array(
    z.object({
      role: z.enum(CHAT_ROLES, { error: (i) => (i.input === undefined ? 'is required' : `invalid role ${JSON.stringify(i.input)}; expected one of ${CHAT_ROLES.join(', ')}`) }),
      content: text,
    }),
    { error: (i) => (i.input === undefined ? 'is required' : 'must be an array of {role, content}') },
  )
  .min(1, 'must contain at least one message');
export const ChatRecordSchema = z.object({
  messages: chatMessages.refine((m) => m.some((x) => x.role === 'assistant'), 'has no assistant message to learn from'),
});

export const PromptCompletionRecordSchema = z.object({ prompt: text, completion: text });
export const TextRecordSchema = z.object({ text });

const assistantTurn = z.object(
  {
    role: z.literal('assistant', { error: (i) => (i.input === undefined ? 'is required' : `must be "assistant", got ${JSON.stringify(i.input)}`) }),
    content: text,
  },
  { error: (i) => (i.input === undefined ? 'is required' : 'must be an object {role: "assistant", content} when the record has "messages"') },
);

/**
 * Preference pairs for DPO, in one of two shapes:
 *   simple  {prompt, chosen, rejected}: three strings; the prompt is one user turn
 *   chat    {messages, chosen, rejected}: the conversation so far (ending with a user turn), then
 *           the two candidate final turns as {role: "assistant", content}
 */
export const PreferenceRecordSchema = z
  .object({ prompt: z.unknown().optional(), messages: z.unknown().optional(), chosen: z.unknown().optional(), rejected: z.unknown().optional() })
  .superRefine((r, ctx) => {
    const check = (schema: z.ZodType, key: string) => {
      const parsed = schema.safeParse(r[key as keyof typeof r]);
      if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: [key, ...issue.path], message: issue.message });
      return parsed.success;
    };
    if (r.prompt !== undefined && r.messages !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['messages'], message: 'give either "prompt" (a string) or "messages" (a chat), not both' });
      return;
    }
    if (r.prompt === undefined && r.messages === undefined) {
      ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'is required (or "messages" for the chat shape)' });
      return;
    }
    const chat = r.messages !== undefined;
    const turn = chat ? assistantTurn : text;
    const ok = [check(chat ? chatMessages : text, chat ? 'messages' : 'prompt'), check(turn, 'chosen'), check(turn, 'rejected')].every(Boolean);
    if (!ok) return;
    if (chat && (r.messages as { role: string }[]).at(-1)!.role !== 'user') {
      ctx.addIssue({ code: 'custom', path: ['messages'], message: 'must end with a user message (chosen and rejected are the answers to it)' });
    }
    const content = (x: unknown) => (chat ? (x as { content: string }).content : (x as string));
    if (content(r.chosen) === content(r.rejected)) ctx.addIssue({ code: 'custom', path: ['rejected'], message: 'is the same as "chosen": the pair teaches no preference' });
  });

export const RECORD_SCHEMAS: Record<DatasetFormat, z.ZodType> = {
  chat: ChatRecordSchema,
  prompt_completion: PromptCompletionRecordSchema,
  text: TextRecordSchema,
  preference: PreferenceRecordSchema,
};

export type ChatRecord = z.infer<typeof ChatRecordSchema>;
export type PreferenceRecord =
  | { prompt: string; chosen: string; rejected: string }
  | { messages: ChatRecord['messages']; chosen: { role: 'assistant'; content: string }; rejected: { role: 'assistant'; content: string } };
