/**
 * Redaction benchmark: our engine vs Microsoft Presidio (pattern recognizers) on the same labeled
 * corpus. Run: node --import tsx bench/redaction/run.ts
 * Env: REDACTION_CORPUS_MB (default 20), PRESIDIO_MB (subset for Presidio, default 2),
 *      REFINERY_PYTHON (a Python with presidio-analyzer; default: first ~/.cache/refinery/venv-* that has it).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createTextRedactor, redactJsonl } from '@refinery/redaction';
import { createCorpusGenerator, textFieldsOf, type CorpusRecord } from './corpus';
import { PERSON_CANDIDATES } from './personCandidates';
import { runOod } from './ood';
import { PATTERN_TYPES, emptyScoreboard, precision, recall, scoreField, type Scoreboard, type Span } from './score';

const SEED = 42;
const CORPUS_MB = Number(process.env.REDACTION_CORPUS_MB ?? 20);
const PRESIDIO_MB = Number(process.env.PRESIDIO_MB ?? 2);
/** compromise runs well below 1 MB/s, so PERSON candidates are compared on a smaller prefix. */
const PERSON_MB = Number(process.env.PERSON_MB ?? 0.5);
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
const CORPUS = join(RESULTS, `redaction-corpus-v1-seed${SEED}-${CORPUS_MB}MB.jsonl`);

/** Presidio entity names → our types. URL has no credential notion; it is mapped so Presidio gets overlap credit. */
const PRESIDIO_TYPES: Record<string, string> = {
  EMAIL_ADDRESS: 'EMAIL', PHONE_NUMBER: 'PHONE', CREDIT_CARD: 'CREDIT_CARD', US_SSN: 'US_SSN', IBAN_CODE: 'IBAN',
  IP_ADDRESS: 'IP_ADDRESS', URL: 'URL_CREDENTIALS', DATE_TIME: 'DATE_OF_BIRTH', PERSON: 'PERSON', LOCATION: 'STREET_ADDRESS',
};

async function ensureCorpus(): Promise<void> {
  if (existsSync(CORPUS)) return;
  mkdirSync(RESULTS, { recursive: true });
  const next = createCorpusGenerator(SEED);
  const out = createWriteStream(CORPUS);
  let bytes = 0;
  while (bytes < CORPUS_MB * 1e6) {
    const item = next();
    bytes += Buffer.byteLength(JSON.stringify(item.record)) + 1;
    if (!out.write(JSON.stringify(item) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise((r) => out.end(r));
}

async function loadCorpus(): Promise<CorpusRecord[]> {
  const items: CorpusRecord[] = [];
  for await (const line of createInterface({ input: createReadStream(CORPUS), crlfDelay: Infinity })) items.push(JSON.parse(line));
  return items;
}

function goldSpans(item: CorpusRecord, fieldIndex: number): Span[] {
  return item.labels.filter((l) => l[0] === fieldIndex).map(([, start, end, type]) => ({ start, end, type }));
}

function findPython(): string | undefined {
  const candidates = process.env.REFINERY_PYTHON
    ? [process.env.REFINERY_PYTHON]
    : readdirSync(join(homedir(), '.cache', 'refinery'), { withFileTypes: true })
        .filter((d) => d.isDirectory() && d.name.startsWith('venv-'))
        .map((d) => join(homedir(), '.cache', 'refinery', d.name, 'bin', 'python'));
  return candidates.find((python) => existsSync(python) && spawnSync(python, ['-c', 'import presidio_analyzer, spacy'], { stdio: 'ignore' }).status === 0);
}

function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

const fmt = (x: number | null) => (x === null ? '  n/a' : x.toFixed(3));

async function main(): Promise<void> {
  await ensureCorpus();
  const items = await loadCorpus();
  const datasetLines = items.map((item) => JSON.stringify(item.record));
  const datasetBytes = datasetLines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
  const engine = createTextRedactor({});
  console.log(`corpus: ${items.length} records, ${(datasetBytes / 1e6).toFixed(1)} MB JSONL (seed ${SEED}) — ${CORPUS}`);

  // Accuracy over the whole corpus.
  const oursFull: Scoreboard = emptyScoreboard();
  for (const item of items) {
    textFieldsOf(item.format, item.record).forEach((text, i) => scoreField(oursFull, goldSpans(item, i), engine.detect(text)));
  }

  // Throughput: the full streaming pipeline (parse, detect, replace, serialize), one core.
  const byFormat = { chat: [] as string[], text: [] as string[], prompt_completion: [] as string[] };
  items.forEach((item, i) => byFormat[item.format].push(datasetLines[i]));
  for await (const _ of redactJsonl(byFormat.chat.slice(0, 2000), { policy: {}, format: 'chat' })) void _; // warm-up (JIT)
  let pipelineMs = 0;
  for (const [format, lines] of Object.entries(byFormat)) {
    const started = performance.now();
    for await (const _ of redactJsonl(lines, { policy: {}, format: format as keyof typeof byFormat })) void _;
    pipelineMs += performance.now() - started;
  }
  const pipelineMbps = mbps(datasetBytes, pipelineMs);

  // Presidio subset: the first records up to PRESIDIO_MB of text; both engines scored on it.
  let subsetRecords = 0;
  let subsetBytes = 0;
  while (subsetRecords < items.length && subsetBytes < PRESIDIO_MB * 1e6) {
    const item = items[subsetRecords++];
    subsetBytes += textFieldsOf(item.format, item.record).reduce((s, t) => s + Buffer.byteLength(t), 0);
  }
  const subset = items.slice(0, subsetRecords);
  const subsetTexts = subset.flatMap((item) => textFieldsOf(item.format, item.record));
  // Detection throughput over the whole corpus, after the accuracy pass above warmed the JIT.
  const allTexts = items.flatMap((item) => textFieldsOf(item.format, item.record));
  const allTextBytes = allTexts.reduce((s, t) => s + Buffer.byteLength(t), 0);
  const detectAllStarted = performance.now();
  for (const text of allTexts) engine.detect(text);
  const oursDetectAllMbps = mbps(allTextBytes, performance.now() - detectAllStarted);

  const oursSubset: Scoreboard = emptyScoreboard();
  let detectMs = 0;
  for (const item of subset) {
    textFieldsOf(item.format, item.record).forEach((text, i) => {
      const started = performance.now();
      const found = engine.detect(text);
      detectMs += performance.now() - started;
      scoreField(oursSubset, goldSpans(item, i), found);
    });
  }
  const oursDetectMbps = mbps(subsetBytes, detectMs);

  const python = findPython();
  let presidio: { board: Scoreboard; mbps: number; seconds: number; unmapped: Record<string, number>; recognizers: string[] } | undefined;
  if (!python) {
    console.log('presidio: no Python with presidio-analyzer found (set REFINERY_PYTHON); skipping the comparison');
  } else {
    const outFile = join(RESULTS, 'presidio-findings.jsonl');
    console.log(`presidio: running on ${subsetRecords} records (${(subsetBytes / 1e6).toFixed(2)} MB of text) with ${python}`);
    const run = spawnSync(python, [join(dirname(fileURLToPath(import.meta.url)), 'presidio_runner.py'), '--corpus', CORPUS, '--records', String(subsetRecords), '--out', outFile], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 3_600_000 });
    if (run.status !== 0) throw new Error(`presidio_runner.py failed with status ${run.status}`);
    const lines = readFileSync(outFile, 'utf8').trimEnd().split('\n');
    const timing = JSON.parse(lines.pop()!);
    const board = emptyScoreboard();
    const unmapped: Record<string, number> = {};
    let k = 0;
    for (const item of subset) {
      textFieldsOf(item.format, item.record).forEach((_text, i) => {
        const spans: Span[] = [];
        for (const [start, end, type] of JSON.parse(lines[k++]) as Array<[number, number, string, number]>) {
          if (PRESIDIO_TYPES[type]) spans.push({ start, end, type: PRESIDIO_TYPES[type] });
          else unmapped[type] = (unmapped[type] ?? 0) + 1;
        }
        scoreField(board, goldSpans(item, i), spans);
      });
    }
    if (k !== subsetTexts.length) throw new Error('presidio output does not line up with the corpus');
    presidio = { board, mbps: mbps(timing.bytes, timing.seconds * 1000), seconds: timing.seconds, unmapped, recognizers: timing.recognizers };
  }

  // PERSON candidates, on the first PERSON_MB of the subset.
  let personRecords = 0;
  let personBytes = 0;
  while (personRecords < subset.length && personBytes < PERSON_MB * 1e6) {
    const item = subset[personRecords++];
    personBytes += textFieldsOf(item.format, item.record).reduce((s, t) => s + Buffer.byteLength(t), 0);
  }
  const personRows = PERSON_CANDIDATES.map((candidate) => {
    const board = emptyScoreboard();
    let ms = 0;
    for (const item of subset.slice(0, personRecords)) {
      textFieldsOf(item.format, item.record).forEach((text, i) => {
        const started = performance.now();
        const found = candidate.find(text);
        ms += performance.now() - started;
        scoreField(board, goldSpans(item, i).filter((s) => s.type === 'PERSON'), found);
      });
    }
    const score = board.get('PERSON');
    return { approach: candidate.name, precision: precision(score), recall: recall(score), mbps: mbps(personBytes, ms), records: personRecords };
  });

  // Report.
  const types = [...PATTERN_TYPES, 'PERSON'];
  const rows = types.map((type) => ({
    type,
    ours: { precision: precision(oursSubset.get(type)), recall: recall(oursSubset.get(type)), gold: oursSubset.get(type)?.gold ?? 0 },
    presidio: presidio ? { precision: precision(presidio.board.get(type)), recall: recall(presidio.board.get(type)) } : null,
    oursFullCorpus: { precision: precision(oursFull.get(type)), recall: recall(oursFull.get(type)), gold: oursFull.get(type)?.gold ?? 0 },
  }));
  console.log(`\nPer entity, on the Presidio subset (${subsetRecords} records, ${(subsetBytes / 1e6).toFixed(2)} MB text); full-corpus figures for ours at right`);
  console.log('entity           gold | ours P  ours R | presidio P  presidio R | full-corpus ours P  R');
  for (const r of rows) {
    if (r.type === 'PERSON') console.log('-'.repeat(92));
    console.log(
      `${r.type.padEnd(16)} ${String(r.ours.gold).padStart(5)} | ${fmt(r.ours.precision)}  ${fmt(r.ours.recall)} | ${fmt(r.presidio?.precision ?? null)}       ${fmt(r.presidio?.recall ?? null)}      | ${fmt(r.oursFullCorpus.precision)}  ${fmt(r.oursFullCorpus.recall)}`,
    );
  }
  console.log('\nThroughput (single thread, MB/s of UTF-8 text or JSONL)');
  console.log(`  ours, full JSONL pipeline on ${(datasetBytes / 1e6).toFixed(1)} MB: ${pipelineMbps.toFixed(2)} MB/s`);
  console.log(`  ours, detection only on all ${(allTextBytes / 1e6).toFixed(1)} MB of text: ${oursDetectAllMbps.toFixed(2)} MB/s`);
  console.log(`  ours, detection only on the Presidio subset: ${oursDetectMbps.toFixed(2)} MB/s`);
  if (presidio) {
    console.log(`  presidio analyzer (pattern recognizers, blank spaCy 'en', no NER) on the subset: ${presidio.mbps.toFixed(3)} MB/s`);
    console.log(`  ratio: detection ${(oursDetectMbps / presidio.mbps).toFixed(1)}x, full pipeline vs presidio analyze-only ${(pipelineMbps / presidio.mbps).toFixed(1)}x`);
    console.log(`  presidio findings of types with no counterpart here (ignored for P/R): ${JSON.stringify(presidio.unmapped)}`);
  }
  console.log(`\nPERSON candidate approaches, PERSON spans only, each detector alone (first ${personRecords} records, ${(personBytes / 1e6).toFixed(2)} MB)`);
  for (const p of personRows) console.log(`  ${p.approach.padEnd(26)} P ${fmt(p.precision)}  R ${fmt(p.recall)}  ${p.mbps.toFixed(2)} MB/s`);

  const result = {
    generatedAt: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, node: process.version },
    corpus: { path: CORPUS, seed: SEED, records: items.length, jsonlBytes: datasetBytes },
    subset: { records: subsetRecords, textBytes: subsetBytes },
    presidioSetup: presidio ? { nlpEngine: "spaCy blank 'en' (tokenizer only, no NER model available offline)", recognizers: presidio.recognizers, presidioTypeMapping: PRESIDIO_TYPES } : null,
    throughputMBps: { oursPipeline: pipelineMbps, oursDetectAll: oursDetectAllMbps, oursDetectSubset: oursDetectMbps, presidioAnalyze: presidio?.mbps ?? null },
    entities: rows,
    person: personRows,
    presidioUnmapped: presidio?.unmapped ?? null,
  };
  writeFileSync(join(RESULTS, 'redaction.json'), JSON.stringify(result, null, 2));
  console.log(`\nwrote ${join(RESULTS, 'redaction.json')}`);
}

await main();
await runOod(); // the out-of-distribution corpus (issue 12), printed and written after the in-distribution one
