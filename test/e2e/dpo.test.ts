import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseStageReport, type IngestReport, type MetricPoint, type RunDetail } from '@refinery/core';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { api, submitYaml, waitForRun } from '../support/api';

/**
 * DPO on the real stack: preference pairs (examples/make_preference_dataset.py) are ingested,
 * redacted and split, the train stage runs the trainer's `dpo` verb, then merge → evaluate → gates,
 * with the reward accuracy measured on the eval split and gated.
 */
const report = <S extends 'train' | 'evaluate' | 'gates'>(run: RunDetail, stage: S) => {
  const s = run.stages.filter((x) => x.stage === stage).at(-1);
  const parsed = parseStageReport(stage, s?.metrics);
  if (!parsed.report) throw new Error(`${stage}: ${parsed.mismatch ?? 'no report'} (${JSON.stringify(s)})`);
  return parsed.report;
};

const DPO_SPEC = {
  apiVersion: 'refinery/v1',
  kind: 'FineTuneRun',
  project: 'demo',
  name: 'dpo-router',
  baseModel: { uri: 'file://examples/models/tiny-llama', license: 'apache-2.0' },
  dataset: { uri: 'file://examples/datasets/support-preferences.jsonl', format: 'preference' },
  redaction: { action: 'mask', overrides: { SECRET: 'mask', CUSTOMER_ID: 'hash' }, custom: [{ name: 'CUSTOMER_ID', pattern: 'ACME-[0-9]{8}' }] },
  split: { eval: 0.1, seed: 42 },
  training: { method: 'dpo', dpo: { beta: 0.1 }, epochs: 1, maxSteps: 48, learningRate: 1e-2, lrScheduler: 'cosine', batchSize: 8, maxSeqLen: 512, checkpointEvery: 20 },
  evaluation: {
    metrics: ['json_valid', 'field_match'],
    maxExamples: 60,
    maxNewTokens: 8,
    // Better than chance on pairs never trained on: 0.70 and 0.75 measured (the demo model learns this slowly:
    // 0.55-0.61 on unredacted pairs in trainer runs; tests/test_dpo.py shows 0.75 on the test model).
    gates: [{ metric: 'reward_accuracy', min: 0.5 }],
  },
};

describe('DPO', () => {
  it('a DPO run trains on preference pairs, merges, evaluates the reward accuracy on the eval split and passes its gate', { timeout: 20 * 60_000 }, async () => {
    const submitted = await submitYaml(stringify(DPO_SPEC));
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const run = await waitForRun(submitted.body.id, undefined, 18 * 60_000);
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    expect(run.stages.filter((s) => s.status === 'succeeded').map((s) => s.stage)).toEqual(['ingest', 'redact', 'split', 'train', 'merge', 'evaluate', 'gates']);
    expect(run.spec.training).toMatchObject({ method: 'dpo', dpo: { beta: 0.1 } });

    const train = report(run, 'train');
    console.log(`dpo train: ${JSON.stringify(train)}`);
    expect(train).toMatchObject({ method: 'dpo', steps: 48, preference: { beta: 0.1 } });
    // step 0 is the base (policy = reference): DPO loss ln 2, no pair won yet
    expect(train.preference!.evals[0]).toEqual({ step: 0, loss: expect.closeTo(Math.log(2), 5), rewardAccuracy: 0, rewardMargin: 0 });
    expect(train.preference!.rewardAccuracy).toBeGreaterThan(0);
    // the live metrics have every step with its rewards, and each eval's rewards as the report has them
    const metrics = (await api('GET', `/api/v1/runs/${run.id}/metrics`)).body as { points: MetricPoint[] };
    const steps = metrics.points.filter((p) => p.kind === 'train');
    expect(steps).toHaveLength(48);
    for (const p of steps) {
      expect(p.rewardAccuracy, `step ${p.step}`).toBeGreaterThanOrEqual(0);
      expect(p.rewardAccuracy!, `step ${p.step}`).toBeLessThanOrEqual(1);
      expect(p.rewardMargin, `step ${p.step}`).toEqual(expect.any(Number));
      expect(p.tokensPerSecond, `step ${p.step}`).toBeGreaterThan(0);
      expect(p.paddingFraction).toBeNull();
    }
    // the report's train rewards are the means of the last 10 steps: the live points are the same numbers
    const lastTen = steps.slice(-10);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(lastTen.map((p) => p.rewardAccuracy!))).toBeCloseTo(train.preference!.trainRewardAccuracy!, 6);
    expect(mean(lastTen.map((p) => p.rewardMargin!))).toBeCloseTo(train.preference!.trainRewardMargin!, 6);
    const evals = metrics.points.filter((p) => p.kind === 'eval').map((p) => ({ step: p.step, loss: p.loss, rewardAccuracy: p.rewardAccuracy, rewardMargin: p.rewardMargin }));
    expect(evals).toEqual(train.preference!.evals);

    const evaluated = report(run, 'evaluate');
    const variant = (name: string) => evaluated.variants.find((v) => v.variant === name)!;
    for (const v of evaluated.variants) console.log(`dpo ${v.variant}: ${Object.entries(v.metrics).map(([k, x]) => `${k} ${x?.toFixed(3)}`).join(', ')}`);
    expect(variant('merged').metrics.reward_accuracy).toBeGreaterThanOrEqual(0.5);
    expect(variant('merged').metrics.reward_margin).toEqual(expect.any(Number));
    expect(variant('base').metrics.preference_accuracy).toBeDefined();
    expect(variant('merged').metrics.answer_loss).toBeDefined();
    // generations are scored against the chosen answer
    expect(evaluated.samples[0]!.reference).toMatch(/^\{"department"/);

    const gates = report(run, 'gates');
    expect(gates.passed).toBe(true);
    expect(gates.results).toEqual([expect.objectContaining({ metric: 'reward_accuracy', variant: 'merged', passed: true, value: variant('merged').metrics.reward_accuracy })]);
  });

  it('a malformed preference line fails ingest with its line number, field and reason', { timeout: 5 * 60_000 }, async () => {
    const good = readFileSync(join(REPO_ROOT, 'examples/datasets/support-preferences.jsonl'), 'utf8').split('\n').slice(0, 3);
    const lines = [good[0], good[1], JSON.stringify({ prompt: 'Where is my parcel?', chosen: 'shipping' }), good[2], JSON.stringify({ prompt: 'p', chosen: 'same', rejected: 'same' })];
    const upload = await api('POST', '/api/v1/uploads?project=demo', { body: lines.join('\n'), headers: { 'content-type': 'application/octet-stream' } });
    expect(upload.status).toBe(201);
    const submitted = await submitYaml(stringify({ ...DPO_SPEC, name: 'dpo-malformed', dataset: { uri: upload.body.uri, format: 'preference' }, evaluation: undefined }));
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const run = await waitForRun(submitted.body.id);
    expect(run.status).toBe('failed');
    const ingest = run.stages.find((s) => s.stage === 'ingest')!;
    const ingested = ingest.metrics as unknown as IngestReport;
    expect(ingested.records).toBe(3);
    expect(ingested.errors).toEqual([
      { line: 3, field: 'rejected', reason: 'is required' },
      { line: 5, field: 'rejected', reason: 'is the same as "chosen": the pair teaches no preference' },
    ]);
  });
});
