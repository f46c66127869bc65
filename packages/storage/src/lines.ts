import type { Readable } from 'node:stream';

/** Why a line has no text: the reader could not hand it over faithfully. */
export type LineProblem =
  /** The line exceeded maxLineBytes; its bytes were counted but not kept. */
  | { kind: 'too-long' }
  /**
   * The line is not valid UTF-8. `offset` is the 0-based byte offset, within the line as it
   * is in the file (for line 1 that includes a leading byte-order mark), of the first byte of
   * the first ill-formed sequence (where a lenient decoder would have put U+FFFD).
   */
  | { kind: 'invalid-utf8'; offset: number };

interface LineBase {
  /** 1-based line number. */
  number: number;
  /**
   * Bytes the line takes in the file, without its '\n' (a '\r' before it and, on line 1, a
   * byte-order mark are counted); also counted for lines whose text is not kept.
   */
  bytes: number;
}

/** A line read by readLines: either its text, or the problem that kept it from having one. */
export type Line =
  | (LineBase & { /** The line's text without its line end (and byte-order mark). */ text: string; problem: null })
  | (LineBase & { text: null; problem: LineProblem });

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Splits a byte stream into lines without ever holding more than one line (at most
 * maxLineBytes) in memory: an over-long line is reported, not buffered, so ingest can list it
 * and go on (redaction's splitLines throws instead: a line it cannot scan must stop the stage).
 *
 * Lines end at '\n'; a '\r' before it is dropped, and so is a UTF-8 byte-order mark at byte 0
 * of the stream (only there: one at the start of any other line is part of its text). Text is
 * decoded strictly: a line with invalid UTF-8 comes back with `problem` instead of text with
 * U+FFFD in it, so nothing downstream silently differs from the bytes that were sent.
 */
export async function* readLines(stream: Readable | AsyncIterable<Uint8Array>, opts: { maxLineBytes: number }): AsyncGenerator<Line> {
  // ignoreBOM: a non-streaming decode() would otherwise drop a BOM at the start of every line.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let parts: Buffer[] = [];
  let kept = 0;
  let size = 0;
  let skipped = 0; // bytes at the start of the current line that are not kept (the BOM)
  let number = 0;
  const emit = (): Line => {
    number += 1;
    const bytes = size;
    const buffer = size > opts.maxLineBytes ? null : Buffer.concat(parts, kept);
    const lead = skipped;
    parts = [];
    kept = 0;
    size = 0;
    skipped = 0;
    if (buffer === null) return { number, bytes, text: null, problem: { kind: 'too-long' } };
    let text: string;
    try {
      text = decoder.decode(buffer);
    } catch {
      return { number, bytes, text: null, problem: { kind: 'invalid-utf8', offset: lead + Math.max(0, firstInvalidUtf8(buffer)) } };
    }
    return { number, bytes, text: text.endsWith('\r') ? text.slice(0, -1) : text, problem: null };
  };

  // Until the stream's first 3 bytes are known (a chunk may be shorter), hold them here.
  let head: Buffer | null = Buffer.alloc(0);
  for await (const data of stream as AsyncIterable<Uint8Array>) {
    let chunk = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (head !== null) {
      chunk = Buffer.concat([head, chunk]);
      if (chunk.length < BOM.length && chunk.equals(BOM.subarray(0, chunk.length))) {
        head = chunk; // still a possible BOM: wait for more bytes
        continue;
      }
      head = null;
      if (chunk.subarray(0, BOM.length).equals(BOM)) {
        size = skipped = BOM.length;
        chunk = chunk.subarray(BOM.length);
      }
    }
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      take(chunk.subarray(start, nl));
      yield emit();
      start = nl + 1;
    }
    take(chunk.subarray(start));
  }
  if (head !== null && head.length > 0) take(head); // a stream of 1-2 bytes that begin like a BOM
  if (size > 0) yield emit();

  function take(piece: Buffer) {
    size += piece.length;
    if (size <= opts.maxLineBytes) {
      parts.push(Buffer.from(piece)); // copy: the stream may reuse its chunk
      kept += piece.length;
    } else if (parts.length) {
      parts = [];
      kept = 0;
    }
  }
}

const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Offset of the first byte of the first ill-formed UTF-8 sequence in `bytes`, or -1 if it is
 * all well-formed. The platform's lenient decoder puts U+FFFD exactly there (WHATWG decoding,
 * the same rules the strict decoder applies); a U+FFFD that was really in the data (EF BF BD) is
 * stepped over.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let offset = 0;
  for (const ch of lenientDecoder.decode(bytes)) {
    if (ch === '\uFFFD' && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset;
    offset += Buffer.byteLength(ch);
  }
  return -1;
}
