/**
 * Out-of-distribution redaction benchmark (issue 12): held-out names, separately written
 * templates in ten languages, national ids with this bench's own check-digit code, decoys that
 * fail the checks. Run: node --import tsx bench/redaction/ood.ts (also run by `npm run
 * bench:redaction`). Prints per-entity, per-origin and per-language tables and writes
 * bench/results/redaction-ood.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTextRedactor, redactJsonl } from '@refinery/redaction';
import { createOodGenerator, type OodRecord } from './oodCorpus';

const RECORDS = Number(process.env.OOD_RECORDS ?? 20000);
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
type Tally = { gold: number; recalled: number; predicted: number; correct: number };
const tally = () => ({ gold: 0, recalled: 0, predicted: 0, correct: 0 });
const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

export async function runOod(): Promise<void> {
  const next = createOodGenerator(2026);
  const records: OodRecord[] = Array.from({ length: RECORDS }, next);
  const engine = createTextRedactor({});
  const byEntity = new Map<string, Tally>();
  const byOrigin = new Map<string, Tally>();
  const byLanguage = new Map<string, Map<string, Tally>>();
  const byIdKind = new Map<string, Tally>();
  let decoys = 0;
  let decoysTouched = 0;
  const get = <K>(m: Map<K, Tally>, k: K) => m.get(k) ?? (m.set(k, tally()), m.get(k)!);
  for (const record of records) {
    const found = engine.detect(record.text);
    const gold = record.spans.filter((s) => s.type !== 'DECOY');
    const langMap = byLanguage.get(record.language) ?? (byLanguage.set(record.language, new Map()), byLanguage.get(record.language)!);
    for (const g of gold) {
      const covered = found.filter((p) => p.type === g.type).reduce((c, p) => c + Math.max(0, Math.min(p.end, g.end) - Math.max(p.start, g.start)), 0);
      const hit = covered * 2 >= g.end - g.start;
      for (const t of [get(byEntity, g.type), get(langMap, g.type), ...(g.type === 'PERSON' ? [get(byOrigin, g.detail)] : []), ...(g.type === 'NATIONAL_ID' ? [get(byIdKind, g.detail)] : [])]) {
        t.gold++;
        if (hit) t.recalled++;
      }
    }
    for (const p of found) {
      const inside = gold.filter((g) => g.type === p.type).reduce((c, g) => c + Math.max(0, Math.min(p.end, g.end) - Math.max(p.start, g.start)), 0);
      const ok = inside * 2 >= p.end - p.start;
      for (const t of [get(byEntity, p.type), get(langMap, p.type)]) {
        t.predicted++;
        if (ok) t.correct++;
      }
    }
    for (const d of record.spans.filter((s) => s.type === 'DECOY')) {
      decoys++;
      if (found.some((p) => p.type === 'NATIONAL_ID')) decoysTouched += gold.some((g) => g.type === 'NATIONAL_ID') ? 0 : 1;
      void d;
    }
  }
  const lines = records.map((r) => JSON.stringify({ text: r.text }));
  const bytes = lines.reduce((s, l) => s + Buffer.byteLength(l) + 1, 0);
  for await (const _ of redactJsonl(lines.slice(0, 2000), { policy: {}, format: 'text' })) void _;
  const started = performance.now();
  for await (const _ of redactJsonl(lines, { policy: {}, format: 'text' })) void _;
  const pipelineMBps = bytes / 1e6 / ((performance.now() - started) / 1000);

  const row = (name: string, t: Tally) => `${name.padEnd(26)} ${String(t.gold).padStart(6)}  P ${fmt(ratio(t.correct, t.predicted))}  R ${fmt(ratio(t.recalled, t.gold))}`;
  console.log(`\nOut-of-distribution corpus: ${records.length} records, ${(bytes / 1e6).toFixed(2)} MB JSONL`);
  console.log('per entity');
  for (const [k, t] of [...byEntity].sort()) console.log('  ' + row(k, t));
  console.log('PERSON per origin (recall)');
  for (const [k, t] of [...byOrigin].sort()) console.log('  ' + row(k, t));
  console.log('NATIONAL_ID per scheme (recall)');
  for (const [k, t] of [...byIdKind].sort()) console.log('  ' + row(k, t));
  console.log('per language');
  for (const [lang, m] of [...byLanguage].sort()) for (const [k, t] of [...m].sort()) console.log('  ' + row(`${lang} ${k}`, t));
  console.log(`decoys (checksum-failing ids) untouched: ${fmt(ratio(decoys - decoysTouched, decoys))} of ${decoys}`);
  console.log(`full JSONL pipeline on the OOD corpus: ${pipelineMBps.toFixed(2)} MB/s (one thread)`);
  const obj = (m: Map<string, Tally>) => Object.fromEntries([...m].map(([k, t]) => [k, { ...t, precision: ratio(t.correct, t.predicted), recall: ratio(t.recalled, t.gold) }]));
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'redaction-ood.json'), JSON.stringify({ generatedAt: new Date().toISOString(), records: records.length, jsonlBytes: bytes, pipelineMBps, byEntity: obj(byEntity), byOrigin: obj(byOrigin), byIdScheme: obj(byIdKind), byLanguage: Object.fromEntries([...byLanguage].map(([l, m]) => [l, obj(m)])), decoys: { total: decoys, untouched: decoys - decoysTouched } }, null, 2));
  console.log(`wrote ${join(RESULTS, 'redaction-ood.json')}`);
}

function fmt(x: number | null): string {
  return x === null ? '  n/a' : x.toFixed(3);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runOod();
