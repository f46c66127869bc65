import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack as tarPack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { extractVerifiedDirectory, IntegrityError, readVerifiedManifest, saveVerifiedFile, type DirectoryManifest } from '../src/download';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const web = (chunks: Buffer[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const b of chunks) c.enqueue(new Uint8Array(b));
      c.close();
    },
  });

async function tarOf(entries: { name: string; body: Buffer; type?: 'file' | 'symlink' }[]): Promise<Buffer> {
  const pack = tarPack();
  for (const e of entries) pack.entry(e.type === 'symlink' ? { name: e.name, type: 'symlink', linkname: '/etc/passwd' } : { name: e.name, size: e.body.length }, e.type === 'symlink' ? undefined : e.body);
  pack.finalize();
  const out: Buffer[] = [];
  for await (const c of pack) out.push(c as Buffer);
  return Buffer.concat(out);
}

const files = { 'adapter_config.json': Buffer.from('{"r":16}'), 'weights/adapter_model.safetensors': Buffer.alloc(200_000, 7) };
const manifest: DirectoryManifest = { kind: 'refinery.directory/v1', files: Object.entries(files).map(([path, b]) => ({ path, sha256: sha(b), bytes: b.length })) };
const entries = () => Object.entries(files).map(([name, body]) => ({ name, body }));
/** A tar split into small chunks, as it would arrive over the network. */
const chunked = (b: Buffer) => Array.from({ length: Math.ceil(b.length / 7000) }, (_, i) => b.subarray(i * 7000, (i + 1) * 7000));

describe('verified downloads', () => {
  it('writes a file whose sha256 matches, and nothing (not even a partial) when it does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dl-'));
    const body = Buffer.from('{"text":"hello"}\n'.repeat(1000));
    expect(await saveVerifiedFile(web(chunked(body)), join(dir, 'a.jsonl'), sha(body))).toEqual({ bytes: body.length, sha256: sha(body) });
    expect(readFileSync(join(dir, 'a.jsonl')).equals(body)).toBe(true);

    await expect(saveVerifiedFile(web([body]), join(dir, 'a.jsonl'), sha(body))).rejects.toThrow(/already exists.*--force/);
    await expect(saveVerifiedFile(web([body]), join(dir, 'b.jsonl'), sha('something else'))).rejects.toThrow(IntegrityError);
    expect(readdirSync(dir)).toEqual(['a.jsonl']);
  });

  it('untars a directory whose every file matches the manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dl-'));
    const done = await extractVerifiedDirectory(web(chunked(await tarOf(entries()))), join(dir, 'adapter'), manifest);
    expect(done).toEqual({ files: 2, bytes: files['adapter_config.json'].length + 200_000 });
    for (const f of manifest.files) expect(sha(readFileSync(join(dir, 'adapter', f.path)))).toBe(f.sha256);
  });

  it.each([
    ['a file whose bytes differ', () => [{ name: 'adapter_config.json', body: Buffer.from('{"r":32}') }, entries()[1]!], /adapter_config\.json: sha256 mismatch/],
    ['a missing file', () => [entries()[0]!], /ended without 1 file/],
    ['a file not in the manifest', () => [...entries(), { name: 'extra.bin', body: Buffer.from('x') }], /"extra\.bin", which is not in the directory manifest/],
    ['a path that leaves the directory', () => [{ name: '../evil', body: Buffer.from('x') }], /not in the directory manifest/],
    ['a symlink', () => [{ name: 'adapter_config.json', body: Buffer.alloc(0), type: 'symlink' as const }], /symlink entry/],
  ])('refuses %s and leaves nothing behind', async (_what, make, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'dl-'));
    await expect(extractVerifiedDirectory(web(chunked(await tarOf(make()))), join(dir, 'adapter'), manifest)).rejects.toThrow(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('checks the manifest itself against the sha256 that names the directory', async () => {
    const text = Buffer.from(JSON.stringify(manifest));
    expect(await readVerifiedManifest(web([text]), sha(text))).toEqual(manifest);
    await expect(readVerifiedManifest(web([text]), sha('other'))).rejects.toThrow(/manifest hashes to/);
    const evil = Buffer.from(JSON.stringify({ kind: 'refinery.directory/v1', files: [{ path: '../../x', sha256: sha('x'), bytes: 1 }] }));
    await expect(readVerifiedManifest(web([evil]), sha(evil))).rejects.toThrow(/unsafe path/);
  });

  it('keeps an existing directory unless forced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dl-'));
    const target = join(dir, 'adapter');
    await extractVerifiedDirectory(web([await tarOf(entries())]), target, manifest);
    writeFileSync(join(target, 'stale'), 'x');
    await expect(extractVerifiedDirectory(web([await tarOf(entries())]), target, manifest)).rejects.toThrow(/already exists/);
    await extractVerifiedDirectory(web([await tarOf(entries())]), target, manifest, { force: true });
    expect(readdirSync(target).sort()).toEqual(['adapter_config.json', 'weights']);
  });
});
