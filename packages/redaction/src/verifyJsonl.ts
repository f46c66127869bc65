import { DEFAULT_MAX_INPUT_BYTES, assertWithinLimit } from './errors';
import { mapTextFields, type DatasetFormat } from './records';
import { parseLine } from './redactJsonl';
import { createTextRedactor, type RedactorOptions } from './textRedactor';
import { parseRedactionPolicy, type RedactionPolicy, type RedactionPolicyInput } from './policy';
import { PLACEHOLDER, isRecognizedSurrogate } from './surrogates/recognize';
import type { EntityType, Finding } from './types';

export interface VerifyJsonlOptions extends RedactorOptions {
  policy: RedactionPolicyInput | RedactionPolicy;
  format: DatasetFormat;
  /**
   * Built-in types to scan for; default: the policy's own entities. Pass all ENTITY_TYPES to also
   * catch types the policy chose not to redact.
   */
  entities?: EntityType[];
  /** Residuals kept in the result (the count is always exact); default 1000. */
  maxResiduals?: number;
}

/** A value that survived redaction: where and what kind, never the value itself. */
export interface Residual {
  line: number;
  type: string;
  field: string;
}

export interface VerificationResult {
  clean: boolean;
  recordsScanned: number;
  residualCount: number;
  residuals: Residual[];
  residualsTruncated: boolean;
  residualsByType: Record<string, number>;
}

/**
 * Re-scans redacted JSONL with the same detectors. Placeholders ([EMAIL], [EMAIL:ab12cd34ef])
 * and values recognized as our own surrogates are clean; anything else found is a residual.
 * Constant memory apart from the capped residual list.
 */
export async function verifyJsonl(lines: AsyncIterable<string> | Iterable<string>, options: VerifyJsonlOptions): Promise<VerificationResult> {
  const basePolicy = parseRedactionPolicy(options.policy);
  // Detection only, so actions do not matter; the key is needed only to recognize DOB surrogates.
  const policy: RedactionPolicy = { ...basePolicy, entities: options.entities ?? basePolicy.entities, action: 'mask', overrides: undefined };
  const scanner = createTextRedactor(policy, options);
  const hasher = scanner.hasher;
  const maxResiduals = options.maxResiduals ?? 1000;
  const maxInputBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const result: VerificationResult = { clean: true, recordsScanned: 0, residualCount: 0, residuals: [], residualsTruncated: false, residualsByType: {} };

  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    result.recordsScanned++;
    assertWithinLimit(line, maxInputBytes, lineNumber);
    const record = parseLine(line, lineNumber);
    mapTextFields(record, options.format, lineNumber, (text, field) => {
      for (const finding of residualFindings(text, scanner.detect(text, lineNumber), hasher)) {
        result.residualCount++;
        result.residualsByType[finding.type] = (result.residualsByType[finding.type] ?? 0) + 1;
        if (result.residuals.length < maxResiduals) result.residuals.push({ line: lineNumber, type: finding.type, field });
        else result.residualsTruncated = true;
      }
      return undefined;
    });
  }
  result.clean = result.residualCount === 0;
  return result;
}

function residualFindings(text: string, findings: Finding[], hasher: RedactorOptions['hasher']): Finding[] {
  if (findings.length === 0) return findings;
  const placeholders: Array<[number, number]> = [];
  PLACEHOLDER.lastIndex = 0;
  for (let m = PLACEHOLDER.exec(text); m !== null; m = PLACEHOLDER.exec(text)) placeholders.push([m.index, m.index + m[0].length]);
  let p = 0; // findings and placeholders are both sorted by start: one merge-like pass
  return findings.filter((finding) => {
    while (p < placeholders.length && placeholders[p][1] <= finding.start) p++;
    if (p < placeholders.length && finding.start >= placeholders[p][0] && finding.end <= placeholders[p][1]) return false;
    return !isRecognizedSurrogate(finding.type, text.slice(finding.start, finding.end), hasher);
  });
}
