import { describe, expect, it } from 'vitest';
import { CACHEABLE_STAGES, parseRunSpecText, stepCacheEnabled, validateRunSpec } from '../src';

const valid = {
  apiVersion: 'refinery/v1',
  kind: 'FineTuneRun',
  project: 'support',
  name: 'router',
  baseModel: { uri: 'file://examples/models/tiny-llama' },
  dataset: { uri: 'file://examples/datasets/support-tickets.jsonl', format: 'chat' },
};

describe('RunSpec', () => {
  it('accepts a valid spec', () => {
    expect(validateRunSpec(valid)).toEqual({ ok: true, spec: valid });
  });

  it('takes step caching per stage: train opt-in, the data stages on unless false; unknown stages refused', () => {
    const withTrain = validateRunSpec({ ...valid, training: { maxSteps: 2 }, cache: { train: true, redact: false } });
    expect(withTrain.ok && withTrain.spec.cache).toEqual({ train: true, redact: false });
    expect(validateRunSpec({ ...valid, cache: { merge: true } })).toEqual({ ok: false, issues: [{ path: 'cache', message: 'unknown field(s): merge' }] });
    expect(validateRunSpec({ ...valid, cache: { train: 'yes' } }).ok).toBe(false);
    expect(CACHEABLE_STAGES).toEqual(['ingest', 'redact', 'split', 'train']);
    expect(CACHEABLE_STAGES.map((s) => stepCacheEnabled(undefined, s))).toEqual([true, true, true, false]);
    expect(CACHEABLE_STAGES.map((s) => stepCacheEnabled({ ingest: false, train: true }, s))).toEqual([false, true, true, true]);
    expect(stepCacheEnabled({ train: false }, 'train')).toBe(false);
    expect(stepCacheEnabled({ merge: true } as Record<string, boolean>, 'merge'), 'no cacheVersion: never').toBe(false);
  });

  it('rejects unknown fields with their path', () => {
    const r = validateRunSpec({ ...valid, dataset: { ...valid.dataset, colour: 'red' } });
    expect(r).toEqual({ ok: false, issues: [{ path: 'dataset', message: 'unknown field(s): colour' }] });
  });

  it('rejects an unknown section, and approval or promotion without training, with a reason', () => {
    const unknown = validateRunSpec({ ...valid, deployment: { target: 'prod' } });
    expect(unknown).toEqual({ ok: false, issues: [{ path: '(root)', message: 'unknown field(s): deployment' }] });
    const r = validateRunSpec({ ...valid, approval: { required: 2 }, promotion: { alias: 'production' } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues).toContainEqual({ path: 'approval', message: 'approval decides on a trained model; add a "training" section' });
      expect(r.issues).toContainEqual({ path: 'promotion', message: 'promotion registers a trained model; add a "training" section' });
    }
    const bad = validateRunSpec({ ...valid, training: {}, approval: { required: 3, timeout: '1 week' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.path).sort()).toEqual(['approval.required', 'approval.timeout']);
    const long = validateRunSpec({ ...valid, training: {}, approval: { timeout: '91d' } });
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.issues).toEqual([{ path: 'approval.timeout', message: 'at most 90 days' }]);
  });

  it('reports bad values with paths', () => {
    const r = validateRunSpec({ ...valid, project: 'Bad Name', dataset: { uri: 'ftp://x/y', format: 'csv' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path).sort()).toEqual(['dataset.format', 'dataset.uri', 'project']);
  });

  it.each([
    'file://../../etc/passwd',
    'file://examples/%2e%2e/%2e%2e/etc/passwd',
    's3://UPPER/key',
    'object://sha256/xyz',
  ])('rejects hostile or malformed dataset URI %s', (uri) => {
    const r = validateRunSpec({ ...valid, dataset: { uri, format: 'chat' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]!.path).toBe('dataset.uri');
  });

  it('parses YAML and points at the line of a syntax error', () => {
    const r = parseRunSpecText('apiVersion: refinery/v1\nkind: [unclosed\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]!.path).toMatch(/^line \d+, column \d+$/);
  });
});

describe('training.method', () => {
  const preference = { ...valid, dataset: { uri: 'file://examples/datasets/support-preferences.jsonl', format: 'preference' } };
  const issues = (spec: object) => {
    const r = validateRunSpec(spec);
    return r.ok ? [] : r.issues;
  };

  it('defaults to sft, reads the old "lora" as sft, and fills in the dpo defaults for dpo', () => {
    const sft = validateRunSpec({ ...valid, training: {} });
    expect(sft.ok && sft.spec.training).toMatchObject({ method: 'sft' });
    const lora = validateRunSpec({ ...valid, training: { method: 'lora' } });
    expect(lora.ok && lora.spec.training?.method).toBe('sft');
    const dpo = validateRunSpec({ ...preference, training: { method: 'dpo' } });
    expect(dpo.ok && dpo.spec.training).toMatchObject({ method: 'dpo', dpo: { beta: 0.1 } });
    const tuned = validateRunSpec({ ...preference, training: { method: 'dpo', dpo: { beta: 0.5 } } });
    expect(tuned.ok && tuned.spec.training?.dpo).toEqual({ beta: 0.5 });
  });

  it('pairs dpo with preference data and nothing else, with the field to fix', () => {
    expect(issues({ ...valid, training: { method: 'dpo' } })).toEqual([{ path: 'training.method', message: expect.stringMatching(/^dpo learns from preference pairs: set dataset.format to preference/) }]);
    expect(issues({ ...preference, training: {} })).toEqual([{ path: 'dataset.format', message: expect.stringMatching(/^preference pairs train with training.method: dpo/) }]);
    expect(issues({ ...valid, training: { dpo: { beta: 0.2 } } })).toEqual([{ path: 'training.dpo', message: expect.stringMatching(/apply to method dpo only/) }]);
    expect(issues({ ...preference, training: { method: 'dpo', dpo: { beta: 0 } } })).toEqual([{ path: 'training.dpo.beta', message: expect.any(String) }]);
    expect(issues({ ...preference, training: { method: 'ppo' } })[0]!.path).toBe('training.method');
    // preference data without training is just ingested (and redacted)
    expect(validateRunSpec(preference).ok).toBe(true);
  });

  it('refuses what the DPO recipe does not do yet, by field', () => {
    expect(issues({ ...preference, training: { method: 'dpo', gradientCheckpointing: true, quantizeBase: 'nf4' } }).map((i) => i.path)).toEqual(['training.gradientCheckpointing', 'training.quantizeBase']);
  });

  it('lets gates name the DPO metrics on preference data only', () => {
    const gate = { metric: 'reward_accuracy', min: 0.7 };
    expect(validateRunSpec({ ...preference, training: { method: 'dpo' }, evaluation: { canaries: 2, gates: [gate, { metric: 'preference_accuracy', vs: 'base', minDelta: 0.1 }] } }).ok).toBe(true);
    expect(issues({ ...valid, training: {}, evaluation: { gates: [gate] } })).toEqual([{ path: 'evaluation.gates[0].metric', message: expect.stringMatching(/^"reward_accuracy" is not measured by this spec/) }]);
  });
});
