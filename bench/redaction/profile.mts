import { readFileSync } from 'node:fs';
import { createTextRedactor, ENTITY_TYPES } from '@refinery/redaction';
import { textFieldsOf } from './corpus.ts';
const items = readFileSync('bench/results/redaction-corpus-v1-seed42-2MB.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const texts = items.flatMap((i: any) => textFieldsOf(i.format, i.record));
const bytes = texts.reduce((s: number, t: string) => s + Buffer.byteLength(t), 0);
for (const t of [...ENTITY_TYPES, 'ALL']) {
  const r = createTextRedactor({ entities: t === 'ALL' ? [...ENTITY_TYPES] : [t as any] });
  for (const x of texts.slice(0, 2000)) r.detect(x);
  const s = performance.now();
  for (const x of texts) r.detect(x);
  const ms = performance.now() - s;
  console.log(t.padEnd(16), (bytes / 1e6 / (ms / 1000)).toFixed(1), 'MB/s');
}
