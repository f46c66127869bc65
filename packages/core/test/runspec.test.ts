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

  it('rejects a section for a stage that does not exist yet, by name', () => {
    const r = validateRunSpec({ ...valid, approval: { required: true } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]).toMatchObject({ path: 'approval', message: expect.stringContaining('"approval" stage is not available') });
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
