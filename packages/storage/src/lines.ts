import type { Readable } from 'node:stream';

export interface Line {
  /** 1-based line number. */
  number: number;
  /** The line's text without its newline, or null when it exceeded maxLineBytes. */
  text: string | null;
  /** Bytes in the line (also counted for over-long lines, whose bytes are not kept). */
  bytes: number;
}

/**
 * Splits a byte stream into lines without ever holding more than one line (at most
 * maxLineBytes) in memory: an over-long line is reported, not buffered, so ingest can list it
 * and go on (redaction's splitLines throws instead: a line it cannot scan must stop the stage).
 */
export async function* readLines(stream: Readable, opts: { maxLineBytes: number }): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let kept = 0;
  let size = 0;
  let number = 0;
  const emit = (): Line => {
    number += 1;
    const text = size > opts.maxLineBytes ? null : stripCr(Buffer.concat(parts, kept).toString('utf8'));
    const line = { number, text, bytes: size };
    parts = [];
    kept = 0;
    size = 0;
    return line;
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      take(chunk.subarray(start, nl));
      yield emit();
      start = nl + 1;
    }
    take(chunk.subarray(start));
  }
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

const stripCr = (s: string) => (s.endsWith('\r') ? s.slice(0, -1) : s);
