import type { Readable } from 'node:stream';
import { formatPath, RECORD_SCHEMAS, type DatasetFormat, type IngestReport, type LineError } from '@refinery/core';
import { readLines } from '@refinery/storage';

export const MAX_REPORTED_ERRORS = 100;
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

/** Rough, model-independent token estimate: ~4 characters per token for English text. */
const estimateTokens = (chars: number) => Math.ceil(chars / 4);

/**
 * Streams a JSONL dataset once: per-line errors (first 100 kept, all counted) and stats.
 * Memory is bounded by one line, whatever the file size. A leading byte-order mark and CRLF
 * line ends are accepted; a line that is not valid UTF-8 is an error (with the byte offset of
 * the first invalid byte in the line); a file with no non-blank line is "dataset is empty".
 */
export async function validateDataset(
  stream: Readable,
  opts: { format: DatasetFormat; sha256: string; maxLineBytes?: number; onLine?: (line: number) => void },
): Promise<IngestReport> {
  const schema = RECORD_SCHEMAS[opts.format];
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const report: IngestReport = {
    format: opts.format,
    sha256: opts.sha256,
    bytes: 0,
    records: 0,
    characters: 0,
    estimatedTokens: 0,
    roleCounts: {},
    longestRecord: null,
    errorCount: 0,
    errorsByReason: {},
    errors: [],
    errorsTruncated: false,
  };
  const fail = (e: LineError, reasonKey = e.reason) => {
    report.errorCount += 1;
    report.errorsByReason[reasonKey] = (report.errorsByReason[reasonKey] ?? 0) + 1;
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push(e);
    else report.errorsTruncated = true;
  };

  let contentLines = 0; // lines that are not blank, valid or not
  // Count the bytes as they stream by: lines alone cannot tell whether the file ends in '\n'.
  async function* counted(chunks: AsyncIterable<Uint8Array>) {
    for await (const chunk of chunks) {
      report.bytes += chunk.length;
      yield chunk;
    }
  }
  for await (const line of readLines(counted(stream), { maxLineBytes })) {
    opts.onLine?.(line.number);
    if (line.problem) {
      contentLines += 1;
      if (line.problem.kind === 'too-long') {
        fail({ line: line.number, field: '(line)', reason: `line is ${line.bytes} bytes, over the ${maxLineBytes}-byte limit` }, 'line too long');
      } else {
        fail({ line: line.number, field: '(line)', reason: `invalid UTF-8 at byte offset ${line.problem.offset}` }, 'invalid UTF-8');
      }
      continue;
    }
    if (line.text.trim() === '') continue;
    contentLines += 1;
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch (err) {
      fail({ line: line.number, field: '(line)', reason: `invalid JSON: ${(err as Error).message}` }, 'invalid JSON');
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail({ line: line.number, field: '(line)', reason: 'expected a JSON object' });
      continue;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        fail({ line: line.number, field: formatPath(issue.path), reason: issue.message }, `${genericPath(issue.path)}: ${issue.message.split(';')[0]}`);
      }
      continue;
    }
    const chars = recordStats(opts.format, value as Record<string, unknown>, report.roleCounts);
    report.records += 1;
    report.characters += chars;
    if (!report.longestRecord || chars > report.longestRecord.characters) report.longestRecord = { line: line.number, characters: chars };
  }
  // Nothing to train on is an error, not a run with 0 records. Line 0: it is about the file.
  if (contentLines === 0) fail({ line: 0, field: '(file)', reason: 'dataset is empty' });
  report.estimatedTokens = estimateTokens(report.characters);
  return report;
}

/** "messages[3].role" -> "messages[].role", so reasons group across lines. */
const genericPath = (path: readonly PropertyKey[]) =>
  path.map((p) => (typeof p === 'number' ? '[]' : `.${String(p)}`)).join('').replace(/^\./, '') || '(record)';

function recordStats(format: DatasetFormat, record: Record<string, unknown>, roles: Record<string, number>): number {
  const countMessages = (messages: { role: string; content: string }[]) => {
    let chars = 0;
    for (const m of messages) {
      roles[m.role] = (roles[m.role] ?? 0) + 1;
      chars += m.content.length;
    }
    return chars;
  };
  if (format === 'chat') return countMessages(record.messages as { role: string; content: string }[]);
  if (format === 'prompt_completion') return (record.prompt as string).length + (record.completion as string).length;
  if (format === 'preference') {
    // Both answers count: training reads both. The chat shape's answers are assistant turns.
    const answer = (x: unknown) => (typeof x === 'string' ? x.length : countMessages([x as { role: string; content: string }]));
    const prompt = 'messages' in record ? countMessages(record.messages as { role: string; content: string }[]) : (record.prompt as string).length;
    return prompt + answer(record.chosen) + answer(record.rejected);
  }
  return (record.text as string).length;
}
