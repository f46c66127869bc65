/**
 * Erasure record search: how fast a record-hash query reads a project's raw datasets. The query
 * streams every raw dataset from the object store and hashes each line (findRecordLines), so its
 * time is the project's data size divided by this rate.
 * Run: npm run bench:erasure   (ERASURE_BENCH_MB, default 512)
 * Prints a table and writes bench/results/erasure-record-search.json.
 */
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRecordLines, LocalObjectStore, recordContentHash } from '@refinery/storage';

const TARGET_MB = Number(process.env.ERASURE_BENCH_MB ?? 512);
const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(HERE, '..', 'results');

// The demo tickets, repeated to the target size, with one unique record at the very end (the
// search reads everything whether or not it finds the record).
const demo = readFileSync(join(HERE, '..', '..', 'examples/datasets/support-tickets.jsonl'), 'utf8').trimEnd();
const target = JSON.stringify({ messages: [{ role: 'user', content: 'erase me' }, { role: 'assistant', content: 'ok' }] });
const dir = await mkdtemp(join(tmpdir(), 'erasure-bench-'));
try {
  const file = join(dir, 'raw.jsonl');
  const block = `${demo}\n`;
  const copies = Math.ceil((TARGET_MB * 1e6) / Buffer.byteLength(block));
  writeFileSync(file, `${block.repeat(copies)}${target}\n`);
  const store = new LocalObjectStore(join(dir, 'objects'));
  const stored = await store.put(createReadStream(file));

  const started = process.hrtime.bigint();
  const found = await findRecordLines(await store.get(stored.sha256), recordContentHash(target));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (found.occurrences !== 1) throw new Error(`expected the record once, found ${found.occurrences}`);

  const result = {
    bytes: stored.bytes,
    lines: found.linesRead,
    seconds: Number(seconds.toFixed(2)),
    mbPerSecond: Number((stored.bytes / 1e6 / seconds).toFixed(1)),
    linesPerSecond: Math.round(found.linesRead / seconds),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'erasure-record-search.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log('| data | lines | seconds | MB/s | lines/s |');
  console.log('|---|---|---|---|---|');
  console.log(`| ${(result.bytes / 1e6).toFixed(0)} MB | ${result.lines} | ${result.seconds} | ${result.mbPerSecond} | ${result.linesPerSecond} |`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
