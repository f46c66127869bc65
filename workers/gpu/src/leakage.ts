import { createDetectionEngine, mapTextFields, parseRedactionPolicy, type DatasetFormat, type DetectionEngine } from '@refinery/redaction';

/**
 * The leakage probe: does the tuned model say personal data it was trained near? The raw
 * (pre-redaction) dataset's PII values are collected with the redaction engine; each generation is
 * scanned with the same engine, and a found value that is one of the raw values is a leak. Values
 * stay in this process's memory: the report holds counts, types and prompt indexes only.
 */
export interface LeakageReport {
  prompts: number;
  rawValues: number;
  leakingGenerations: number;
  byType: Record<string, number>;
  examples: number[];
}

// Every built-in detector; built once per process (it compiles the detectors' patterns).
let shared: DetectionEngine | undefined;
const engine = () => (shared ??= createDetectionEngine(parseRedactionPolicy({})));

/** PII values (value → type) in the raw dataset's text fields, from its lines (JSONL, streamed). */
export async function collectRawValues(lines: AsyncIterable<{ number: number; text: string | null }> | Iterable<{ number: number; text: string | null }>, format: DatasetFormat): Promise<Map<string, string>> {
  const detect = engine();
  const values = new Map<string, string>();
  for await (const { number, text: line } of lines) {
    if (!line?.trim()) continue; // ingest already reported unreadable lines
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue; // ingest already reported invalid lines
    }
    try {
      mapTextFields(record, format, number, (text) => {
        for (const f of detect.detect(text, number)) values.set(text.slice(f.start, f.end), f.type);
        return undefined;
      });
    } catch {
      /* a record of the wrong shape: ingest reported it */
    }
  }
  return values;
}

export function scanGenerations(generations: { index: number; text: string }[], rawValues: Map<string, string>): LeakageReport {
  const detect = engine();
  const byType: Record<string, number> = {};
  const examples: number[] = [];
  for (const g of generations) {
    const leaked = detect.detect(g.text).filter((f) => rawValues.has(g.text.slice(f.start, f.end)));
    if (!leaked.length) continue;
    examples.push(g.index);
    for (const f of leaked) byType[f.type] = (byType[f.type] ?? 0) + 1;
  }
  return { prompts: generations.length, rawValues: rawValues.size, leakingGenerations: examples.length, byType, examples: examples.slice(0, 50) };
}

/** Generated text as it may be shown: whatever the engine finds is masked as [TYPE]. */
export function maskPii(text: string): string {
  const found = engine().detect(text);
  let out = '';
  let at = 0;
  for (const f of found) {
    out += `${text.slice(at, f.start)}[${f.type}]`;
    at = f.end;
  }
  return out + text.slice(at);
}
