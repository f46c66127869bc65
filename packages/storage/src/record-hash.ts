import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { readLines } from './lines';

/**
 * A record's content hash, for erasure requests: SHA-256 (hex) of the record's line as the UTF-8
 * bytes stored in the raw dataset, without its line end — no '\n', no '\r' before it, and on line
 * 1 no byte-order mark — exactly the text `readLines` yields. Nothing is parsed or re-serialised:
 * `{"a": 1}` and `{"a":1}` are different records.
 */
export const recordContentHash = (lineText: string): string => createHash('sha256').update(lineText, 'utf8').digest('hex');

/** Lines longer than this are skipped when searching (ingest rejects far shorter ones). */
export const RECORD_SEARCH_MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface RecordSearchResult {
  /** 1-based numbers of the lines whose hash is `hash` (at most `maxLines` of them). */
  lines: number[];
  occurrences: number;
  linesRead: number;
  bytesRead: number;
}

/** Streams a dataset once, hashing every line: O(size of the dataset), one line in memory at a time. */
export async function findRecordLines(stream: Readable | AsyncIterable<Uint8Array>, hash: string, opts: { maxLines?: number; onLine?: (n: number) => void } = {}): Promise<RecordSearchResult> {
  const maxLines = opts.maxLines ?? 100;
  const result: RecordSearchResult = { lines: [], occurrences: 0, linesRead: 0, bytesRead: 0 };
  for await (const line of readLines(stream, { maxLineBytes: RECORD_SEARCH_MAX_LINE_BYTES })) {
    result.linesRead = line.number;
    result.bytesRead += line.bytes + 1;
    opts.onLine?.(line.number);
    if (line.text === null || recordContentHash(line.text) !== hash) continue;
    result.occurrences += 1;
    if (result.lines.length < maxLines) result.lines.push(line.number);
  }
  return result;
}

/** The hash of line `n` (1-based) of a file, computed as the search computes it; null past the end. */
export async function recordHashOfLine(stream: Readable | AsyncIterable<Uint8Array>, n: number): Promise<string | null> {
  for await (const line of readLines(stream, { maxLineBytes: RECORD_SEARCH_MAX_LINE_BYTES })) {
    if (line.number < n) continue;
    if (line.text === null) throw new Error(`line ${n} cannot be hashed: ${line.problem.kind === 'too-long' ? 'it is too long' : `it is not valid UTF-8 (byte ${line.problem.offset})`}`);
    return recordContentHash(line.text);
  }
  return null;
}
