import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extract as tarExtract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { directoryTarStream, LocalObjectStore, putDirectory, readDirectoryManifest } from '../src';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Reads a tar stream back into path → bytes, with each entry's header type. */
async function untar(tar: AsyncIterable<unknown>): Promise<Map<string, { type: string | null | undefined; body: Buffer }>> {
  const out = new Map<string, { type: string | null | undefined; body: Buffer }>();
  const extract = tarExtract();
  const reading = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.set(entry.header.name, { type: entry.header.type, body: Buffer.concat(chunks) });
    }
  })();
  for await (const chunk of tar) if (!extract.write(chunk as Buffer)) await new Promise((r) => extract.once('drain', r));
  extract.end();
  await reading;
  return out;
}

describe('directoryTarStream', () => {
  it('packs every file of a directory object, byte for byte, in manifest order', async () => {
    const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'objs-')));
    const dir = mkdtempSync(join(tmpdir(), 'dir-'));
    mkdirSync(join(dir, 'nested/deeper'), { recursive: true });
    const files: Record<string, Buffer> = {
      'adapter_config.json': Buffer.from('{"r":16}'),
      'nested/deeper/weights.bin': randomBytes(3 * 1024 * 1024 + 17), // several chunks: backpressure between store and tar
      [`${'long-name-'.repeat(12)}.txt`]: Buffer.from('over 100 characters: a PAX header'),
      'empty.txt': Buffer.alloc(0),
    };
    for (const [path, body] of Object.entries(files)) writeFileSync(join(dir, path), body);
    const stored = await putDirectory(store, dir);
    const manifest = await readDirectoryManifest(store, stored.sha256);

    const entries = await untar(directoryTarStream(store, manifest));
    expect([...entries.keys()]).toEqual(manifest.files.map((f) => f.path));
    for (const f of manifest.files) {
      expect(entries.get(f.path)!.type).toBe('file');
      expect(sha(entries.get(f.path)!.body)).toBe(f.sha256);
      expect(entries.get(f.path)!.body.equals(files[f.path]!)).toBe(true);
    }
  });

  it('breaks the stream (no clean end) when a file is missing from the store', async () => {
    const root = mkdtempSync(join(tmpdir(), 'objs-'));
    const store = new LocalObjectStore(root);
    const dir = mkdtempSync(join(tmpdir(), 'dir-'));
    writeFileSync(join(dir, 'a.txt'), 'first');
    writeFileSync(join(dir, 'b.txt'), 'second, to be lost');
    const manifest = await readDirectoryManifest(store, (await putDirectory(store, dir)).sha256);
    const lost = manifest.files.find((f) => f.path === 'b.txt')!.sha256;
    rmSync(join(root, 'sha256', lost.slice(0, 2), lost));
    await expect(untar(directoryTarStream(store, manifest))).rejects.toThrow(/not in the object store/);
  });

  it('refuses manifests that are not manifests or whose paths leave the directory', async () => {
    const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'objs-')));
    const notManifest = await store.put(Readable.from(['{"text":"hi"}']));
    await expect(readDirectoryManifest(store, notManifest.sha256)).rejects.toThrow(/not a directory manifest/);
    const evil = await store.put(Readable.from([JSON.stringify({ kind: 'refinery.directory/v1', files: [{ path: '../x', sha256: notManifest.sha256, bytes: 13 }] })]));
    await expect(readDirectoryManifest(store, evil.sha256)).rejects.toThrow(/unsafe path "\.\.\/x"/);
  });
});
