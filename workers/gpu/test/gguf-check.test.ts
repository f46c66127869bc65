import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeGguf } from '../src/gguf-check';
import { chatTemplateMismatch } from '../src/quantize-activity';

describe('probeGguf', () => {
  it('reports a malformed GGUF as an error without taking this process down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gguf-probe-'));
    const file = join(dir, 'broken.gguf');
    // The right magic and version, then garbage: the loader gets far enough to fail inside llama.cpp.
    writeFileSync(file, Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0]), Buffer.alloc(256, 0xff)]));
    const probe = await probeGguf(file, 'hello');
    expect(probe.ok).toBe(false);
    expect(probe.error).toMatch(/node-llama-cpp could not load .*broken\.gguf/);
    expect(process.exitCode ?? 0).toBe(0);
  });
});

describe('chatTemplateMismatch', () => {
  it('is null for the same prompt and names where two prompts part', () => {
    expect(chatTemplateMismatch([1, 5, 9, 12], [1, 5, 9, 12])).toBeNull();
    expect(chatTemplateMismatch([1, 5, 9, 12], [1, 5, 7, 12])).toBe('first difference at token 2 of 4: Hugging Face [9,12], node-llama-cpp [7,12] (4 tokens)');
    // One prompt a prefix of the other (e.g. a BOS added twice, or a generation prompt missing).
    expect(chatTemplateMismatch([1, 5, 9], [1, 5, 9, 4])).toBe('first difference at token 3 of 3: Hugging Face [], node-llama-cpp [4] (4 tokens)');
    expect(chatTemplateMismatch([1, 5, 9, 4], [1, 5, 9])).toBe('first difference at token 3 of 4: Hugging Face [4], node-llama-cpp [] (3 tokens)');
  });
});
