import { describe, expect, it } from 'vitest';
import { modelCard, modelCardMarkdown, type ModelVersion } from '../src';

const version: ModelVersion = {
  id: 'mv_1',
  version: 3,
  runId: 'run_abc',
  createdAt: '2026-11-30T10:00:00.000Z',
  aliases: ['production'],
  affected: [],
  record: {
    runId: 'run_abc',
    description: 'Route support tickets',
    baseModel: 'hf://acme/base-1b',
    baseModelLicense: 'apache-2.0',
    hyperparameters: { epochs: 5, lora: { r: 16 } },
    data: { rawSha256: 'a'.repeat(64), records: 600, redaction: { policyHash: 'p'.repeat(64), changed: 590, dropped: 0, entities: { EMAIL: 400, PERSON: 610 } }, trainRecords: 540, evalRecords: 60 },
    adapter: { artifactId: 'art_a', uri: 'object://sha256/aaa', sha256: 'b'.repeat(64), bytes: 10 },
    merged: null,
    ggufs: [{ format: 'q8_0', artifactId: 'art_g', uri: 'object://sha256/ggg', sha256: 'c'.repeat(64), bytes: 1_200_000 }],
    evalReport: null,
    evaluation: {
      examples: 60,
      variants: [
        { variant: 'merged', loss: 0.3, perplexity: 2.0, metrics: { json_valid: 1 }, bytes: null, seconds: 1, examplesPerSecond: 2 },
        { variant: 'gguf-q8_0', loss: 0.3, perplexity: 2.01, metrics: { json_valid: 1 }, bytes: 1_200_000, seconds: 1, examplesPerSecond: 9 },
      ],
      samples: [],
      leakage: { prompts: 60, rawValues: 1400, leakingGenerations: 0, byType: {}, examples: [] },
      canaries: null,
    },
    gates: { passed: true, onFail: 'reject', results: [{ gate: 'merged json_valid ≥ 0.9', metric: 'json_valid', variant: 'merged', value: 1, reference: null, delta: null, passed: true, note: null }] },
    approval: { outcome: 'approved', required: 1, submittedBy: 'user:alice', requestedAt: 'x', expiresAt: 'y', evidenceSha256: 'e'.repeat(64), gateFailures: [], decisions: [{ decision: 'approve', actor: 'user:bob', comment: 'ok', at: 'z', evidenceSha256: 'e'.repeat(64) }] },
  },
};

describe('modelCard', () => {
  it('states use, licence, data hashes, metrics, quantization cost, privacy and approvals from the record', () => {
    const md = modelCardMarkdown(modelCard({ project: 'demo', name: 'router' }, version));
    expect(md).toMatch(/^# Model card: demo\/router v3\n/);
    expect(md).toContain('- Route support tickets');
    expect(md).toContain('- Licence: apache-2.0');
    expect(md).toContain(`- Raw dataset sha256: ${'a'.repeat(64)} (600 records)`);
    expect(md).toContain('entities: EMAIL ×400, PERSON ×610');
    expect(md).toContain('| gguf-q8_0 | 1.20 MB | 0.3000 | 2.0100 | 1 |');
    expect(md).toContain(`- q8_0: 1.20 MB, sha256 ${'c'.repeat(64)}, perplexity 0.500 % vs merged`);
    expect(md).toContain('- Leakage probe: 0 of 60 generations repeated one of the 1400 PII values found in the raw data');
    expect(md).toContain('- approve by user:bob at z: ok');
    expect(md).toContain('- pass: merged json_valid ≥ 0.9 (value 1)');
  });

  it('says what is missing rather than leaving it out', () => {
    const bare: ModelVersion = { ...version, record: { ...version.record, description: null, baseModelLicense: null, evaluation: null, gates: null, approval: null, ggufs: [] } };
    const md = modelCardMarkdown(modelCard({ project: 'demo', name: 'router' }, bare));
    expect(md).toContain('Not stated: the run spec has no description.');
    expect(md).toContain('Licence: not stated in the run spec (baseModel.license)');
    expect(md).toContain('Not evaluated (the run spec has no evaluation section).');
    expect(md).toContain('No approval stage in the run spec.');
  });
});
