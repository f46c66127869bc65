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
    expect(() => stepCacheKey('merge', {})).toThrow(/no cacheVersion/);
  });

  it('is unchanged by the move to @refinery/core: earlier runs\' recorded keys still match', () => {
    // Computed by the implementation before the move (workers/pipeline/src/activities/step-cache.ts at 91659e5).
    expect(stepCacheKey('split', { input: 'a'.repeat(64), eval: 0.1, seed: 42 })).toBe('4c2277b99e2ebf1c07f297de39c9b269ceaddedfa7fc5a77c0f5635ed747616c');
  });

  it('tells redaction keys apart without containing them', () => {
    const one = redactionKeyFingerprint('project-key-one');
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(one).not.toContain('project-key-one');
    expect(redactionKeyFingerprint('project-key-two')).not.toBe(one);
    expect(redactionKeyFingerprint('project-key-one')).toBe(one);
  });
});
