import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { directorySourceFingerprint, LocalObjectStore, putDirectory, storedObjectsPresent, DIRECTORY_MEDIA_TYPE } from '../src';

const root = mkdtempSync(join(tmpdir(), 'source-print-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function model(name: string, weights: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{"hidden": 8}');
  writeFileSync(join(dir, 'sub', 'model.safetensors'), weights);
  return dir;
}

describe('directorySourceFingerprint', () => {
  const store = new LocalObjectStore(join(root, 'store'));
  const ctx = { allowedRoots: [root], baseDir: root, store };

  it('file://: the content, not the path; a file rewritten under the same URI changes it', async () => {
    model('one', 'weights-1');
    model('two', 'weights-1');
    const one = await directorySourceFingerprint('file://one', ctx);
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(await directorySourceFingerprint('file://two', ctx), 'same files elsewhere').toBe(one);
    expect(await directorySourceFingerprint('file://one', ctx), 'again (remembered hashes)').toBe(one);
    writeFileSync(join(root, 'one', 'sub', 'model.safetensors'), 'weights-2');
    expect(await directorySourceFingerprint('file://one', ctx)).not.toBe(one);
    writeFileSync(join(root, 'one', 'sub', 'model.safetensors'), 'weights-1');
    expect(await directorySourceFingerprint('file://one', ctx), 'the old bytes back').toBe(one);
    writeFileSync(join(root, 'one', 'extra.txt'), 'x');
    expect(await directorySourceFingerprint('file://one', ctx), 'a file added').not.toBe(one);
  });

  it('file://: follows symlinked files (a Hugging Face cache snapshot)', async () => {
    const dir = join(root, 'linked');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(root, 'blob'), 'weights-1');
    writeFileSync(join(dir, 'config.json'), '{"hidden": 8}');
    symlinkSync(join(root, 'blob'), join(dir, 'sub', 'model.safetensors'));
    model('three', 'weights-1');
    expect(await directorySourceFingerprint('file://linked', ctx)).toBe(await directorySourceFingerprint('file://three', ctx));
  });

  it('object://: the manifest address; hf://: none (the hub can move a name)', async () => {
    const stored = await putDirectory(store, model('four', 'weights-4'));
    expect(await directorySourceFingerprint(stored.uri, ctx)).toBe(stored.sha256);
    expect(await directorySourceFingerprint('hf://org/model', ctx)).toBeNull();
    await expect(directorySourceFingerprint('file://nowhere', ctx)).rejects.toThrow(/no such file/);
  });
});

describe('storedObjectsPresent', () => {
  it('checks a directory object and every file its manifest lists', async () => {
    const store = new LocalObjectStore(join(root, 'store2'));
    const stored = await putDirectory(store, model('five', 'weights-5'));
    expect(await storedObjectsPresent(store, { sha256: stored.sha256, mediaType: DIRECTORY_MEDIA_TYPE })).toBe(true);
    const file = await store.put(Readable.from(['weights-5']));
    rmSync(join(root, 'store2', 'sha256', file.sha256.slice(0, 2), file.sha256), { force: true });
    expect(await store.exists(file.sha256)).toBe(false);
    expect(await storedObjectsPresent(store, { sha256: stored.sha256, mediaType: DIRECTORY_MEDIA_TYPE }), 'a file of the directory is gone').toBe(false);
    expect(await storedObjectsPresent(store, { sha256: stored.sha256, mediaType: 'application/json' }), 'a plain object: itself only').toBe(true);
  });
});
