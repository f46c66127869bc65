import { RedactionRecordError } from './errors';

export const DATASET_FORMATS = ['chat', 'prompt_completion', 'text', 'preference'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/**
 * Calls `visit` for every text field of a record of the given format and returns a copy with the
 * returned strings written back (same keys, same order, other fields untouched). Only these are
 * text fields: chat `messages[].content` (a string, or `{type:'text', text}` parts), prompt and
 * completion, text; preference pairs' prompt or messages, and chosen and rejected (strings, or
 * `{role, content}` turns). `visit` may return undefined to leave a field unchanged.
 */
export function mapTextFields(
  record: unknown,
  format: DatasetFormat,
  line: number,
  visit: (text: string, field: string) => string | undefined,
): Record<string, unknown> {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new RedactionRecordError(line, `expected a JSON object for format ${format}`);
  }
  const source = record as Record<string, unknown>;
  switch (format) {
    case 'chat':
      return { ...source, messages: mapMessages(source.messages, line, visit) };
    case 'prompt_completion':
      return {
        ...source,
        prompt: mapString(source, 'prompt', line, visit),
        completion: mapString(source, 'completion', line, visit),
      };
    case 'text':
      return { ...source, text: mapString(source, 'text', line, visit) };
    case 'preference':
      return {
        ...source,
        ...('messages' in source ? { messages: mapMessages(source.messages, line, visit) } : { prompt: mapString(source, 'prompt', line, visit) }),
        chosen: mapAnswer(source, 'chosen', line, visit),
        rejected: mapAnswer(source, 'rejected', line, visit),
      };
  }
}

/** A preference answer: a string (simple shape) or one `{role, content}` turn (chat shape). */
function mapAnswer(source: Record<string, unknown>, key: 'chosen' | 'rejected', line: number, visit: (text: string, field: string) => string | undefined): unknown {
  const value = source[key];
  if (typeof value === 'string') return visit(value, key) ?? value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as Record<string, unknown>).content === 'string') {
    const turn = value as Record<string, unknown> & { content: string };
    return { ...turn, content: visit(turn.content, `${key}.content`) ?? turn.content };
  }
  throw new RedactionRecordError(line, `field "${key}" must be a string or an object {role, content}`);
}

function mapString(source: Record<string, unknown>, key: string, line: number, visit: (text: string, field: string) => string | undefined): string {
  const value = source[key];
  if (typeof value !== 'string') throw new RedactionRecordError(line, `field "${key}" must be a string`);
  return visit(value, key) ?? value;
}

function mapMessages(messages: unknown, line: number, visit: (text: string, field: string) => string | undefined): unknown[] {
  if (!Array.isArray(messages)) throw new RedactionRecordError(line, 'field "messages" must be an array');
  return messages.map((message, index) => {
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      throw new RedactionRecordError(line, `messages[${index}] must be an object`);
    }
    const m = message as Record<string, unknown>;
    const role = typeof m.role === 'string' && /^[a-z_]{1,20}$/.test(m.role) ? m.role : 'unknown';
    const field = `messages[${role}].content`;
    if (typeof m.content === 'string') return { ...m, content: visit(m.content, field) ?? m.content };
    if (m.content === null || m.content === undefined) return m;
    if (Array.isArray(m.content)) {
      return {
        ...m,
        content: m.content.map((part) =>
          part !== null && typeof part === 'object' && typeof (part as Record<string, unknown>).text === 'string'
            ? { ...part, text: visit((part as Record<string, string>).text, field) ?? (part as Record<string, string>).text }
            : part,
        ),
      };
    }
    throw new RedactionRecordError(line, `messages[${index}].content must be a string, an array of parts or null`);
  });
}
