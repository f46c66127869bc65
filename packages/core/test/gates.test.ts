import { describe, expect, it } from 'vitest';
import { checkGates, GateSchema, validateRunSpec, type VariantMetrics } from '../src';

const variants: VariantMetrics[] = [
  { variant: 'base', loss: 3, perplexity: 20, metrics: { exact_match: 0.1, 'field_match.priority': 0.2 } },
  { variant: 'merged', loss: 1, perplexity: 2.7, metrics: { exact_match: 0.9, 'field_match.priority': 0.8 } },
  { variant: 'gguf-f16', loss: 1, perplexity: 2.7, metrics: { exact_match: 0.9 } },
  { variant: 'gguf-q4_k_m', loss: 1.05, perplexity: 2.835, metrics: { exact_match: 0.85 } },
];
const gate = (g: object) => GateSchema.parse(g);

describe('gates', () => {
  it('check min and max on any variant', () => {
    const [pass, fail, both] = checkGates([gate({ metric: 'exact_match', min: 0.8 }), gate({ metric: 'exact_match', variant: 'gguf-q4_k_m', min: 0.9 }), gate({ metric: 'loss', max: 1.5, min: 0.5 })], variants, null);
    expect(pass).toMatchObject({ gate: 'merged exact_match ≥ 0.8', value: 0.9, passed: true });
    expect(fail).toMatchObject({ gate: 'gguf-q4_k_m exact_match ≥ 0.9', value: 0.85, passed: false });
    expect(both).toMatchObject({ passed: true, value: 1 });
  });

  it('compare with base by delta', () => {
    const [win, notEnough] = checkGates([gate({ metric: 'exact_match', vs: 'base', minDelta: 0.5 }), gate({ metric: 'field_match.priority', vs: 'base', minDelta: 0.7 })], variants, null);
    expect(win).toMatchObject({ reference: 0.1, passed: true });
    expect(win.delta).toBeCloseTo(0.8);
    expect(notEnough).toMatchObject({ reference: 0.2, passed: false });
  });

  it('compare with production when there is one, and skip with a note when there is none', () => {
    const g = gate({ metric: 'exact_match', vs: 'production', maxDelta: 0, minDelta: -0.02 });
    expect(checkGates([g], variants, null)[0]).toMatchObject({ passed: null, note: 'skipped: the model has no evaluated production version yet' });
    const production: VariantMetrics[] = [{ variant: 'merged', loss: 1, perplexity: 2.7, metrics: { exact_match: 0.95 } }];
    expect(checkGates([g], variants, production)[0]).toMatchObject({ reference: 0.95, passed: false });
    const worse: VariantMetrics[] = [{ variant: 'merged', loss: 1, perplexity: 2.7, metrics: { exact_match: 0.91 } }];
    expect(checkGates([g], variants, worse)[0]).toMatchObject({ passed: true });
  });

  it('measure the cost of quantizing as perplexity_delta against f16', () => {
    const [r] = checkGates([gate({ metric: 'perplexity_delta', variant: 'gguf-q4_k_m', max: 0.06 })], variants, null);
    expect(r!.value).toBeCloseTo(0.05);
    expect(r!.passed).toBe(true);
  });

  it('fail a gate on a metric that was not measured, naming it and what exists', () => {
    const [missing, noVariant] = checkGates([gate({ metric: 'rouge_l', min: 0.5 }), gate({ metric: 'exact_match', variant: 'gguf-q8_0', min: 0.5 })], variants, null);
    expect(missing).toMatchObject({ passed: false, note: 'no rouge_l for merged; it has loss, perplexity, exact_match, field_match.priority' });
    expect(noVariant!.note).toMatch(/no variant gguf-q8_0 was evaluated; there are base, merged, gguf-f16, gguf-q4_k_m/);
  });

  it('refuse a gate with neither bound, or vs without a delta', () => {
    expect(GateSchema.safeParse({ metric: 'exact_match' }).success).toBe(false);
    expect(GateSchema.safeParse({ metric: 'exact_match', vs: 'base', min: 0.1 }).success).toBe(false);
  });
});

describe('the RunSpec refuses gates it cannot check', () => {
  const base = {
    apiVersion: 'refinery/v1',
    kind: 'FineTuneRun',
    project: 'p',
    name: 'n',
    baseModel: { uri: 'file://examples/models/tiny-llama' },
    dataset: { uri: 'file://examples/datasets/support-tickets.jsonl', format: 'chat' },
    training: {},
  };
  const issues = (extra: object) => {
    const r = validateRunSpec({ ...base, ...extra });
    return r.ok ? [] : r.issues;
  };

  it('names an unknown metric, a variant the spec does not produce, and perplexity_delta without f16', () => {
    expect(issues({ evaluation: { metrics: ['exact_match'], gates: [{ metric: 'rouge_l', min: 0.1 }] } })).toEqual([
      expect.objectContaining({ path: 'evaluation.gates[0].metric', message: expect.stringMatching(/"rouge_l" is not measured by this spec/) }),
    ]);
    expect(issues({ quantization: { formats: ['q8_0'] }, evaluation: { gates: [{ metric: 'loss', variant: 'gguf-q4_k_m', max: 2 }] } })[0]).toMatchObject({
      path: 'evaluation.gates[0].variant',
      message: expect.stringMatching(/choose one of base, merged, gguf-q8_0/),
    });
    expect(issues({ quantization: { formats: ['q8_0'] }, evaluation: { gates: [{ metric: 'perplexity_delta', variant: 'gguf-q8_0', max: 0.01 }] } })[0]!.message).toMatch(/keep f16/);
    expect(issues({ evaluation: { metrics: ['field_match'], gates: [{ metric: 'field_match.priority', vs: 'base', minDelta: 0.3 }] } })).toEqual([]);
  });

  it('needs training for quantization and evaluation', () => {
    const { training: _t, ...noTraining } = base;
    const r = validateRunSpec({ ...noTraining, quantization: {} });
    expect(r.ok ? [] : r.issues).toEqual([expect.objectContaining({ path: 'quantization', message: expect.stringMatching(/add a "training" section/) })]);
  });
});
