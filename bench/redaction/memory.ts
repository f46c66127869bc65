/**
 * Memory benchmark for the redact stage's streaming path: a large JSONL file goes through
 * splitLines → createJsonlRedactor → file, as in the pipeline activity, while RSS is sampled.
 * Run: npm run bench:redaction:memory   (REDACTION_MEMORY_MB, default 2048 = the 2 GB target;
 *      REDACTION_MEMORY_ACTION mask (default) or pseudonymize)
 * Prints a table and writes bench/results/redaction-memory.json.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJsonlRedactor, splitLines } from '@refinery/redaction';
import { createCorpusGenerator } from './corpus';

const TARGET_MB = Number(process.env.REDACTION_MEMORY_MB ?? 2048);
/** mask is ~3x faster than pseudonymize here; memory behaviour is the same streaming path. */
const ACTION = (process.env.REDACTION_MEMORY_ACTION ?? 'mask') as 'mask' | 'pseudonymize';
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
const INPUT = join(RESULTS, `redaction-memory-input-${TARGET_MB}MB.jsonl`);
const OUTPUT = join(RESULTS, 'redaction-memory-output.jsonl');

/**
 * Realistic chat records from the labelled corpus generator: a 32 MB block (faker is slow), then
 * copies of it until the file reaches the target size. Memory use does not depend on variety.
 */
async function ensureInput(): Promise<void> {
  if (existsSync(INPUT) && statSync(INPUT).size >= TARGET_MB * 1e6) return;
  mkdirSync(RESULTS, { recursive: true });
  const next = createCorpusGenerator(7);
  const block: string[] = [];
  let blockBytes = 0;
  while (blockBytes < Math.min(32, TARGET_MB) * 1e6) {
    const { record } = next();
    if (!('messages' in record)) continue; // the corpus mixes formats; this run is chat
    const line = `${JSON.stringify(record)}\n`;
    blockBytes += Buffer.byteLength(line);
    block.push(line);
  }
  const chunk = Buffer.from(block.join(''));
  const out = createWriteStream(INPUT);
  for (let bytes = 0; bytes < TARGET_MB * 1e6; bytes += chunk.length) {
    if (!out.write(chunk)) await once(out, 'drain');
    process.stderr.write(`\rgenerating input: ${((bytes + chunk.length) / 1e6).toFixed(0)}/${TARGET_MB} MB`);
  }
  await new Promise((r) => out.end(r));
  process.stderr.write('\n');
}

async function main() {
  await ensureInput();
  const inputBytes = statSync(INPUT).size;
  let peakRss = process.memoryUsage().rss;
  const baselineRss = peakRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const redactor = createJsonlRedactor({ policy: { action: ACTION }, format: 'chat', projectKey: 'bench-memory-key' });
  const out = createWriteStream(OUTPUT);
  const started = Date.now();
  let lines = 0;
  for await (const line of redactor.redact(splitLines(createReadStream(INPUT)))) {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
    if (++lines % 200_000 === 0) process.stderr.write(`\rredacting: ${lines} lines, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  }
  await new Promise((r) => out.end(r));
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write('\n');
  const result = {
    action: ACTION,
    inputMB: +(inputBytes / 1e6).toFixed(1),
    records: redactor.report().records.read,
    seconds: +seconds.toFixed(1),
    mbPerSecond: +(inputBytes / 1e6 / seconds).toFixed(2),
    baselineRssMiB: +(baselineRss / 2 ** 20).toFixed(0),
    peakRssMiB: +(peakRss / 2 ** 20).toFixed(0),
    targetPeakRssMiB: 1024,
    node: process.version,
  };
  console.table([result]);
  writeFileSync(join(RESULTS, 'redaction-memory.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`peak RSS ${result.peakRssMiB} MiB for ${result.inputMB} MB of input (target: well under 1024 MiB); wrote bench/results/redaction-memory.json`);
}

await main();
