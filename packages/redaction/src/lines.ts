import { DEFAULT_MAX_INPUT_BYTES, RedactionInputTooLargeError, utf8ByteLength } from './errors';

/**
 * Splits a byte or string stream (e.g. a Node Readable, which is an AsyncIterable<Buffer>) into
 * lines without holding more than one line plus one chunk: a line longer than maxLineBytes throws
 * RedactionInputTooLargeError as soon as the buffer passes the limit, before the rest is read.
 * A trailing '\r' is removed. Line numbers are 1-based and count blank lines.
 */
export async function* splitLines(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options: { maxLineBytes?: number } = {},
): AsyncGenerator<string> {
  const limit = options.maxLineBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let lineNumber = 0;
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      lineNumber++;
      const line = pending.slice(0, newline);
      checkLength(line, limit, lineNumber);
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    checkLength(pending, limit, lineNumber + 1);
  }
  pending += decoder.decode();
  if (pending.length > 0) {
    checkLength(pending, limit, lineNumber + 1);
    yield pending.endsWith('\r') ? pending.slice(0, -1) : pending;
  }
}

function checkLength(text: string, limit: number, line: number): void {
  if (text.length * 3 > limit && (text.length > limit || utf8ByteLength(text) > limit)) {
    throw new RedactionInputTooLargeError(limit, line);
  }
}
