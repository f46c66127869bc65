import { readFileSync } from 'node:fs';
import { createDetectionEngine, mapTextFields, parseRedactionPolicy, type DatasetFormat } from '@refinery/redaction';

/** A value that must never appear in a log line, with what it is (reported instead of the value). */
export interface SensitiveValue {
  type: string;
  value: string;
}

/** Where a sensitive value was found: its type and the 1-based log line, never the value. */
export interface LogFinding {
  type: string;
  line: number;
}

/** The raw datasets the e2e suite ingests, with their formats. */
export const DEMO_RAW_DATASETS: { path: string; format: DatasetFormat }[] = [
  { path: 'examples/datasets/support-tickets.jsonl', format: 'chat' },
  { path: 'examples/datasets/support-preferences.jsonl', format: 'preference' },
  { path: 'examples/datasets/malformed-chat.jsonl', format: 'chat' },
];

/** The demo spec's policy: every built-in type plus its customer ids (examples/specs/demo.yaml). */
const DEMO_POLICY = parseRedactionPolicy({ custom: [{ name: 'CUSTOMER_ID', pattern: 'ACME-[0-9]{8}' }] });

/**
 * Shorter findings (a first name, a 4-digit card tail) are left out: they would match unrelated
 * words in a log; the full values around them (full names, emails, card numbers) are kept.
 */
const MIN_VALUE_LENGTH = 6;

/**
 * The PII values of raw JSONL datasets, found by the project's own redaction engine: every string
 * it matches in every text field (and, for lines that are not valid records, in the raw line).
 */
export function datasetPiiValues(files: { path: string; format: DatasetFormat }[]): SensitiveValue[] {
  const engine = createDetectionEngine(DEMO_POLICY);
  const found = new Map<string, string>();
  const scan = (text: string, line: number) => {
    for (const f of engine.detect(text, line)) {
      const value = text.slice(f.start, f.end).trim();
      if (value.length >= MIN_VALUE_LENGTH && !found.has(value)) found.set(value, `dataset PII (${f.type})`);
    }
  };
  for (const file of files) {
    readFileSync(file.path, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        if (!text.trim()) return;
        try {
          mapTextFields(JSON.parse(text), file.format, i + 1, (field) => {
            scan(field, i + 1);
            return undefined;
          });
        } catch {
          scan(text, i + 1); // malformed on purpose (malformed-chat.jsonl): its raw text counts
        }
      });
  }
  return [...found].map(([value, type]) => ({ type, value }));
}

/**
 * The lines of `log` that contain a sensitive value (as is, or as it would be escaped inside a
 * JSON string), each reported by the value's type and the line number only.
 */
export function scanLogForValues(log: string, values: SensitiveValue[]): LogFinding[] {
  const needles = values.flatMap((v) => {
    const escaped = JSON.stringify(v.value).slice(1, -1);
    return escaped === v.value ? [v] : [v, { type: v.type, value: escaped }];
  });
  const findings: LogFinding[] = [];
  log.split('\n').forEach((text, i) => {
    for (const n of needles) {
      if (n.value && text.includes(n.value)) {
        findings.push({ type: n.type, line: i + 1 });
        break;
      }
    }
  });
  return findings;
}

/** "3 log line(s) hold sensitive values: line 12 (dataset PII (EMAIL)), ..." — no value in it. */
export function describeFindings(findings: LogFinding[], file: string): string {
  const shown = findings.slice(0, 20).map((f) => `line ${f.line} (${f.type})`);
  return `${findings.length} line(s) of ${file} hold a sensitive value: ${shown.join(', ')}${findings.length > 20 ? ', ...' : ''}`;
}
