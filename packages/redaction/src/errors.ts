export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024;

/** A line or text field is longer than the configured limit; we refuse instead of risking a hang. */
export class RedactionInputTooLargeError extends Error {
  readonly limitBytes: number;
  readonly line: number | undefined;
  constructor(limitBytes: number, line?: number) {
    const where = line === undefined ? 'input text' : `line ${line}`;
    super(
      `${where} is longer than the redaction input limit of ${limitBytes} bytes (maxInputBytes); ` +
        'split the record or raise maxInputBytes',
    );
    this.name = 'RedactionInputTooLargeError';
    this.limitBytes = limitBytes;
    this.line = line;
  }
}

/** A line is not valid JSON or does not have the shape of the declared dataset format. */
export class RedactionRecordError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'RedactionRecordError';
    this.line = line;
  }
}

/** A user-supplied custom pattern could backtrack catastrophically or is not a valid regex. */
export class UnsafePatternError extends Error {
  constructor(pattern: string, reason: string) {
    super(`custom pattern ${JSON.stringify(pattern)} rejected: ${reason}`);
    this.name = 'UnsafePatternError';
  }
}

/** A policy uses pseudonymize or hash but no per-project key was given. */
export class MissingProjectKeyError extends Error {
  constructor() {
    super('the redaction policy uses pseudonymize or hash, which need a per-project secret key (projectKey)');
    this.name = 'MissingProjectKeyError';
  }
}

/** UTF-8 byte length without allocating (no Buffer: the package stays runtime-neutral). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export function assertWithinLimit(text: string, limitBytes: number, line?: number): void {
  // Fast path: even if every code unit were 3 bytes the text fits.
  if (text.length * 3 <= limitBytes) return;
  if (text.length > limitBytes || utf8ByteLength(text) > limitBytes) {
    throw new RedactionInputTooLargeError(limitBytes, line);
  }
}
