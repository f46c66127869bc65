import { readFileSync } from 'node:fs';
import { createTextRedactor } from '@refinery/redaction';
import { textFieldsOf } from './corpus.ts';
const engine = createTextRedactor({});
const lines = readFileSync('bench/results/redaction-corpus-v1-seed42-2MB.jsonl', 'utf8').trim().split('\n').slice(0, 1500).map((l) => JSON.parse(l));
const want = process.argv[2];
let shown = 0;
for (const item of lines) {
  textFieldsOf(item.format, item.record).forEach((text: string, i: number) => {
    const found = engine.detect(text);
    for (const [fi, s, e, t] of item.labels) {
      if (fi !== i || t !== want) continue;
      const hit = found.some((f) => f.type === t && Math.min(f.end, e) - Math.max(f.start, s) > 0);
      if (!hit && shown++ < 25) console.log('MISS', JSON.stringify(text.slice(Math.max(0, s - 30), e + 10)), '=>', found.filter(f=>f.end>s-5&&f.start<e+5).map((f) => f.type + ':' + text.slice(f.start, f.end)).join(' | '));
    }
    for (const f of found) {
      if (f.type !== want) continue;
      const ok = item.labels.some(([fi, s, e, t]: any) => fi === i && t === f.type && Math.min(f.end, e) - Math.max(f.start, s) > 0);
      if (!ok && shown++ < 40) console.log('FP  ', JSON.stringify(text.slice(Math.max(0, f.start - 30), f.end + 10)), '=>', text.slice(f.start, f.end));
    }
  });
}
