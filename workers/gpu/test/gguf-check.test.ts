import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeGguf } from '../src/gguf-check';

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
