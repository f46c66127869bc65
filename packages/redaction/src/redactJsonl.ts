import { DEFAULT_MAX_INPUT_BYTES, RedactionRecordError, assertWithinLimit } from './errors';
import { mapTextFields, type DatasetFormat } from './records';
import { createRedactionReportBuilder, type RedactionReport } from './report';
import { createTextRedactor, type RedactorOptions, type TextRedactor } from './textRedactor';
import type { RedactionPolicy, RedactionPolicyInput } from './policy';

export interface RedactJsonlOptions extends RedactorOptions {
  policy: RedactionPolicyInput | RedactionPolicy;
  format: DatasetFormat;
  /** Called once, after the last line, with the finished report. */
  onReport?: (report: RedactionReport) => void;
}

export interface JsonlRedactor {
  readonly textRedactor: TextRedactor;
  /** Redacted JSONL lines (no trailing newline), dropped records omitted, blank lines skipped. */
  redact(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string>;
  /** Report for everything redacted so far. */
  report(): RedactionReport;
}

/**
 * Streaming JSONL redaction in constant memory: one line in, at most one line out; the report
 * keeps counters only. Errors name the 1-based line number. Use with splitLines() on a file or
 * object-store stream, and write each yielded line followed by '\n'.
 */
export function createJsonlRedactor(options: Omit<RedactJsonlOptions, 'onReport'>): JsonlRedactor {
  const textRedactor = createTextRedactor(options.policy, options);
  const report = createRedactionReportBuilder({ format: options.format, policyHash: textRedactor.policyHash, detectorVersions: textRedactor.detectorVersions });
  return {
    textRedactor,
    report: () => report.build(),
    async *redact(lines) {
      const maxInputBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
      let lineNumber = 0;
      for await (const line of lines) {
        lineNumber++;
        if (line.trim() === '') continue;
        report.recordRead();
        assertWithinLimit(line, maxInputBytes, lineNumber); // before JSON.parse allocates the record
        const record = parseLine(line, lineNumber);
        let changed = false;
        const dropCauses: string[] = [];
        const redacted = mapTextFields(record, options.format, lineNumber, (text, field) => {
          const result = textRedactor.redact(text, lineNumber);
          for (const { type, action } of result.applied) {
            report.countEntity(type, action, field);
            if (action === 'drop_record') dropCauses.push(type);
          }
          if (result.applied.length === 0) return undefined;
          changed = true;
          return result.text;
        });
        if (dropCauses.length > 0) {
          report.recordDropped(dropCauses);
          continue;
        }
        report.recordWritten(changed);
        yield changed ? JSON.stringify(redacted) : line.replace(/\r$/, '');
      }
    },
  };
}

/** Convenience form: redact lines and hand the report to onReport at the end. */
export async function* redactJsonl(lines: AsyncIterable<string> | Iterable<string>, options: RedactJsonlOptions): AsyncGenerator<string> {
  const redactor = createJsonlRedactor(options);
  yield* redactor.redact(lines);
  options.onReport?.(redactor.report());
}

export function parseLine(line: string, lineNumber: number): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    throw new RedactionRecordError(lineNumber, `not valid JSON (${(error as Error).message})`);
  }
}
