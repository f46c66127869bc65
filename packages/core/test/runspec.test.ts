import { describe, expect, it } from 'vitest';
import { parseRunSpecText, validateRunSpec } from '../src';

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
