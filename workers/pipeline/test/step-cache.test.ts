import { describe, expect, it } from 'vitest';
import { redactionKeyFingerprint, stepCacheKey } from '../src/activities/step-cache';

describe('step cache key', () => {
  it('is the same for the same inputs in any key order, and differs when any input does', () => {
    const base = stepCacheKey('split', { input: 'a'.repeat(64), eval: 0.1, seed: 42 });
    expect(stepCacheKey('split', { seed: 42, eval: 0.1, input: 'a'.repeat(64) })).toBe(base);
    expect(stepCacheKey('split', { input: 'b'.repeat(64), eval: 0.1, seed: 42 })).not.toBe(base);
    expect(stepCacheKey('split', { input: 'a'.repeat(64), eval: 0.1, seed: 43 })).not.toBe(base);
    expect(stepCacheKey('redact', { input: 'a'.repeat(64), eval: 0.1, seed: 42 }), 'the stage is part of the key').not.toBe(base);
  });

  it('refuses a stage without a cacheVersion', () => {
    expect(() => stepCacheKey('train', {})).toThrow(/no cacheVersion/);
  });

  it('tells redaction keys apart without containing them', () => {
    const one = redactionKeyFingerprint('project-key-one');
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(one).not.toContain('project-key-one');
    expect(redactionKeyFingerprint('project-key-two')).not.toBe(one);
    expect(redactionKeyFingerprint('project-key-one')).toBe(one);
  });
});
