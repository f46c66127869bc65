import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { EvaluateReport, LineageGraph, MetricPoint, RunDetail, StageName, TrainReport } from '@refinery/core';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { runDetail } from '../../apps/cli/src/format';
import { api, DEMO_SPEC, submitYaml, tokenFor, waitForRun, webUrl } from '../support/api';

/**
 * Step caching (issue 14 part 4): re-submitting the demo spec reuses ingest, redact and split
 * (the timeline and the API say from which run, lineage records it) with identical artifacts,
 * and recomputes when the redaction policy changes or the spec says `cache: false`. Train is
 * opt-in (`cache: { train: true }`): a second run reuses the first's adapter without starting a
 * trainer, its evaluation ranks the first run's canaries; another learning rate, or the flag
 * unset, trains again. The dataset is a fresh copy of the demo's with one unique record, so the
 * first run never finds an earlier result.
 */

const DATA_STAGES: StageName[] = ['ingest', 'redact', 'split'];
const DATA_KINDS = ['raw_dataset', 'redacted_dataset', 'redaction_report', 'train_split', 'eval_split'];
let dir: string;
let datasetUri: string;

/** The demo spec on this test's dataset, trained for two steps (train is cached only with cache.train: true). */
function demoSpec(name: string, edit: (spec: Record<string, any>) => void = () => {}): string {
  const spec = parse(DEMO_SPEC);
  delete spec.quantization;
  delete spec.evaluation;
  spec.name = name;
  spec.dataset = { uri: datasetUri, format: 'chat' };
  spec.training = { ...spec.training, maxSteps: 2, epochs: 1, checkpointEvery: 100 };
  edit(spec);
  return stringify(spec);
}

async function run(yaml: string, timeoutMs: number): Promise<RunDetail> {
  const submitted = await submitYaml(yaml);
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
  const done = await waitForRun(submitted.body.id, undefined, timeoutMs);
  expect(done.status, done.error ?? '').toBe('succeeded');
  return done;
}

const stage = (r: RunDetail, name: StageName) => r.stages.filter((s) => s.stage === name).at(-1)!;
const shaOf = (r: RunDetail, kind: string) => r.artifacts.find((a) => a.kind === kind)?.sha256;
const wall = (r: RunDetail, name: StageName) => stage(r, name).usage?.wallSeconds ?? NaN;

beforeAll(() => {
  dir = mkdtempSync(join(REPO_ROOT, 'examples', 'tmp-step-cache-'));
  const demo = readFileSync(join(REPO_ROOT, 'examples/datasets/support-tickets.jsonl'), 'utf8').trimEnd();
  const unique = { messages: [{ role: 'user', content: `step cache ${randomUUID()}` }, { role: 'assistant', content: '{"department": "billing", "priority": "low"}' }] };
  writeFileSync(join(dir, 'tickets.jsonl'), `${demo}\n${JSON.stringify(unique)}\n`);
  datasetUri = `file://${join(dir, 'tickets.jsonl').slice(REPO_ROOT.length + 1)}`;
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('step caching', () => {
  let first: RunDetail;
  let second: RunDetail;

  it('re-submitting the demo spec reuses ingest, redact and split from the first run, with identical artifacts', { timeout: 12 * 60_000 }, async () => {
    first = await run(demoSpec('step-cache-first'), 5 * 60_000);
    for (const s of first.stages) expect(s.reusedFromRunId, `${s.stage} of the first run`).toBeNull();
    second = await run(demoSpec('step-cache-second'), 5 * 60_000);

    for (const name of DATA_STAGES) {
      expect(stage(second, name).reusedFromRunId, name).toBe(first.id);
      expect(stage(second, name).attempt, name).toBe(1);
      // The reused report is the first run's.
      expect(stage(second, name).metrics, name).toEqual(stage(first, name).metrics);
    }
    expect(stage(second, 'train').reusedFromRunId, 'train is not cached unless the spec opts in').toBeNull();
    expect(stage(second, 'train').status).toBe('succeeded');
    for (const kind of DATA_KINDS) {
      expect(shaOf(second, kind), kind).toBeDefined();
      expect(shaOf(second, kind), kind).toBe(shaOf(first, kind));
    }
    // Registered for the second run: rows of its own, pointing at the same objects.
    const firstIds = new Set(first.artifacts.map((a) => a.id));
    for (const a of second.artifacts) expect(firstIds.has(a.id), a.kind).toBe(false);

    const times = DATA_STAGES.map((n) => `${n} ${wall(first, n).toFixed(2)} s → ${wall(second, n).toFixed(2)} s`).join(', ');
    console.info(`step cache: run ${second.id} reused ${DATA_STAGES.join(', ')} from ${first.id}; stage wall time first → second: ${times}`);
    for (const name of DATA_STAGES) expect(Number.isFinite(wall(second, name)), `${name} wall time recorded`).toBe(true);
    expect(wall(second, 'redact')).toBeLessThan(wall(first, 'redact'));

    // The CLI's `refinery runs get` says so on each reused stage's line.
    const printed = runDetail(second);
    for (const name of DATA_STAGES) expect(printed).toMatch(new RegExp(`^  ${name} .*reused from run ${first.id}`, 'm'));
  });

  it('records the reuse in lineage: each reused artifact comes from the first run\'s', async () => {
    expect(second, 'the first case ran').toBeDefined();
    for (const kind of ['redacted_dataset', 'train_split']) {
      const mine = second.artifacts.find((a) => a.kind === kind)!;
      const theirs = first.artifacts.find((a) => a.kind === kind)!;
      const res = await api('GET', `/api/v1/lineage?${new URLSearchParams({ node: mine.id, direction: 'up', depth: '1' })}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const graph = res.body as LineageGraph;
      const producer = `stage:${second.id}:${kind === 'train_split' ? 'split' : 'redact'}`;
      expect(graph.edges, kind).toContainEqual({ from: `artifact:${theirs.id}`, to: producer, type: 'consumed', relation: 'reused_from' });
    }
    // OpenLineage names what the stage read, not where its reused output came from.
    const exported = await fetch(`${webUrl()}/api/v1/openlineage/events?project=demo&run=${second.id}`, { headers: { authorization: `Bearer ${tokenFor('viewer')}` } });
    expect(exported.status).toBe(200);
    const events = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l) as { eventType: string; job: { name: string }; inputs: { name: string }[] });
    const redactDone = events.find((e) => e.eventType === 'COMPLETE' && e.job.name === 'step-cache-second.redact');
    expect(redactDone?.inputs.map((d) => d.name)).toEqual([shaOf(second, 'raw_dataset')]);
  });

  it('recomputes redaction under another policy, and any stage the spec marks cache: false', { timeout: 8 * 60_000 }, async () => {
    expect(first, 'the first case ran').toBeDefined();
    const dataOnly = (name: string, edit: (spec: Record<string, any>) => void) =>
      demoSpec(name, (spec) => {
        delete spec.training;
        delete spec.split;
        edit(spec);
      });

    // Another policy: the redaction is new work (its output differs), ingest is still reused.
    const otherPolicy = await run(dataOnly('step-cache-policy', (spec) => (spec.redaction = { ...spec.redaction, action: 'pseudonymize' })), 3 * 60_000);
    expect(stage(otherPolicy, 'ingest').reusedFromRunId).toBe(first.id);
    expect(stage(otherPolicy, 'redact').reusedFromRunId).toBeNull();
    expect(shaOf(otherPolicy, 'redacted_dataset')).not.toBe(shaOf(first, 'redacted_dataset'));

    // cache.redact: false under the first run's policy: recomputed, and the same bytes come out.
    const forced = await run(dataOnly('step-cache-off', (spec) => (spec.cache = { redact: false })), 3 * 60_000);
    expect(stage(forced, 'ingest').reusedFromRunId).toBe(first.id);
    expect(stage(forced, 'redact').reusedFromRunId).toBeNull();
    expect(shaOf(forced, 'redacted_dataset')).toBe(shaOf(first, 'redacted_dataset'));
    console.info(`step cache: redact recomputed in ${wall(otherPolicy, 'redact').toFixed(2)} s (other policy) and ${wall(forced, 'redact').toFixed(2)} s (cache.redact false); ingest reused in ${wall(forced, 'ingest').toFixed(2)} s`);
  });
});

describe('step caching of train (opt-in)', () => {
  /** Trained with seed 7 (not the data-stage cases' 42: a new key), merged and evaluated with two canaries. */
  const trainSpec = (name: string, edit: (spec: Record<string, any>) => void = () => {}) =>
    demoSpec(name, (spec) => {
      spec.training.seed = 7;
      spec.evaluation = { metrics: ['json_valid'], maxExamples: 2, maxNewTokens: 4, leakageProbe: false, canaries: 2, gates: [] };
      spec.cache = { train: true };
      edit(spec);
    });
  const points = async (r: RunDetail) => ((await api('GET', `/api/v1/runs/${r.id}/metrics`)).body as { points: MetricPoint[] }).points;
  const canariesOf = (r: RunDetail) => (stage(r, 'evaluate').metrics as EvaluateReport).canaries!;
  let a: RunDetail;
  let b: RunDetail;

  it('a second run with the same inputs, settings and trainer reuses the adapter: no trainer, same bytes, lineage and the first run\'s canaries', { timeout: 12 * 60_000 }, async () => {
    a = await run(trainSpec('train-cache-a'), 6 * 60_000);
    expect(stage(a, 'train').reusedFromRunId, 'nothing to reuse yet').toBeNull();
    b = await run(trainSpec('train-cache-b'), 6 * 60_000);

    const trainA = stage(a, 'train');
    const trainB = stage(b, 'train');
    expect(trainB.reusedFromRunId).toBe(a.id);
    expect(trainB.attempt).toBe(1);
    expect(trainB.metrics, 'the first run\'s train report').toEqual(trainA.metrics);
    expect((trainB.metrics as TrainReport).steps).toBe(2);
    expect(shaOf(b, 'adapter')).toBeDefined();
    expect(shaOf(b, 'adapter')).toBe(shaOf(a, 'adapter'));
    expect(b.artifacts.find((x) => x.kind === 'adapter')!.id, 'a row of its own').not.toBe(a.artifacts.find((x) => x.kind === 'adapter')!.id);
    // No trainer process: the trainer CPU-seconds are 0 (the first run's trainer reported its own), the wall a fraction.
    expect(trainA.usage?.cpuSeconds ?? 0).toBeGreaterThan(0);
    expect(trainB.usage?.cpuSeconds).toBe(0);
    expect(trainB.usage!.gpuSeconds!).toBeLessThanOrEqual(trainB.usage!.wallSeconds!);
    expect(wall(b, 'train')).toBeLessThan(wall(a, 'train') / 3);
    // merge and evaluate are not cached: they run on the reused adapter.
    expect(stage(b, 'merge').reusedFromRunId).toBeNull();
    expect(stage(b, 'evaluate').reusedFromRunId).toBeNull();

    // The adapter was trained with the first run's canaries: the second run's evaluation ranks those.
    expect(canariesOf(a).seededByRunId).toBe(a.id);
    expect(canariesOf(b).seededByRunId).toBe(a.id);
    expect(canariesOf(b).exposures, 'the same model on the same canaries').toEqual(canariesOf(a).exposures);

    // The run page's loss chart: the first run's points, copied.
    const [pointsA, pointsB] = [await points(a), await points(b)];
    expect(pointsA.length).toBeGreaterThan(0);
    expect(pointsB.map((p) => [p.kind, p.step, p.loss])).toEqual(pointsA.map((p) => [p.kind, p.step, p.loss]));

    // Lineage: a reused_from edge from the first run's adapter, and the usual trained_on from this run's split.
    const adapterB = b.artifacts.find((x) => x.kind === 'adapter')!;
    const res = await api('GET', `/api/v1/lineage?${new URLSearchParams({ node: adapterB.id, direction: 'up', depth: '1' })}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const edges = (res.body as LineageGraph).edges;
    expect(edges).toContainEqual({ from: `artifact:${a.artifacts.find((x) => x.kind === 'adapter')!.id}`, to: `stage:${b.id}:train`, type: 'consumed', relation: 'reused_from' });
    expect(edges).toContainEqual({ from: `artifact:${b.artifacts.find((x) => x.kind === 'train_split')!.id}`, to: `stage:${b.id}:train`, type: 'consumed', relation: 'trained_on' });
    expect(runDetail(b)).toMatch(new RegExp(`^  train .*reused from run ${a.id}`, 'm'));
    console.info(`step cache: run ${b.id} reused train from ${a.id} (adapter ${shaOf(b, 'adapter')!.slice(0, 12)}); train wall ${wall(a, 'train').toFixed(2)} s → ${wall(b, 'train').toFixed(2)} s, trainer CPU ${trainA.usage?.cpuSeconds?.toFixed(2)} s → ${trainB.usage?.cpuSeconds} s; canary exposures ${canariesOf(b).exposures.map((x) => x.toFixed(2)).join(', ')} (seeded by ${canariesOf(b).seededByRunId})`);
  });

  it('trains again with another learning rate, and without cache.train (opt-in)', { timeout: 12 * 60_000 }, async () => {
    expect(b, 'the first case ran').toBeDefined();
    const otherRate = await run(trainSpec('train-cache-lr', (spec) => (spec.training.learningRate = 1e-3)), 6 * 60_000);
    expect(stage(otherRate, 'split').reusedFromRunId, 'the data stages still reuse').not.toBeNull();
    expect(stage(otherRate, 'train').reusedFromRunId).toBeNull();
    expect(shaOf(otherRate, 'adapter')).not.toBe(shaOf(a, 'adapter'));
    expect(stage(otherRate, 'train').usage?.cpuSeconds ?? 0).toBeGreaterThan(0);
    expect(canariesOf(otherRate).seededByRunId).toBe(otherRate.id);

    const optedOut = await run(trainSpec('train-cache-off', (spec) => delete spec.cache), 6 * 60_000);
    expect(stage(optedOut, 'train').reusedFromRunId).toBeNull();
    expect(stage(optedOut, 'train').usage?.cpuSeconds ?? 0).toBeGreaterThan(0);
    expect(canariesOf(optedOut).seededByRunId).toBe(optedOut.id);
    console.info(`step cache: train recomputed in ${wall(otherRate, 'train').toFixed(2)} s (learning rate 1e-3) and ${wall(optedOut, 'train').toFixed(2)} s (cache.train unset; adapter ${shaOf(optedOut, 'adapter') === shaOf(a, 'adapter') ? 'the same bytes as' : 'other bytes than'} the first run's)`);
  });
});
