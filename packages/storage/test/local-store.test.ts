import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { LocalObjectStore, ObjectNotFoundError, ObjectTooLargeError, openSource, resolveFileSource, sourceContextFromConfig, SourceRejectedError } from '../src';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('LocalObjectStore', () => {
  it('stores content by sha256 and reads it back; the same bytes twice are one object', async () => {
    const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'objs-')));
    const a = await store.put(Readable.from(['hello ', 'world']));
    expect(a).toEqual({ sha256: sha('hello world'), bytes: 11, uri: `object://sha256/${sha('hello world')}` });
    expect(await text(await store.get(a.sha256))).toBe('hello world');
    expect(await store.exists(a.sha256)).toBe(true);
    expect(await store.size(a.sha256)).toBe(11);
    const b = await store.put(Readable.from(['hello world']));
    expect(b.sha256).toBe(a.sha256);
    expect(readdirSync(join(store.root, 'tmp'))).toEqual([]);
  });

  it('refuses an object over maxBytes and keeps nothing', async () => {
    const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'objs-')));
    await expect(store.put(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), { maxBytes: 1000 })).rejects.toBeInstanceOf(ObjectTooLargeError);
    expect(readdirSync(join(store.root, 'tmp'))).toEqual([]);
  });

  it('reports a missing object and rejects non-hash names', async () => {
    const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'objs-')));
    await expect(store.get('0'.repeat(64))).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.get('../../etc/passwd')).rejects.toThrow(/invalid sha256/);
  });
});

describe('file:// sources', () => {
  const base = mkdtempSync(join(tmpdir(), 'src-'));
  const root = join(base, 'data');
  mkdirSync(root);
  writeFileSync(join(root, 'ok.jsonl'), '{"text":"x"}\n');
  writeFileSync(join(base, 'secret.txt'), 'secret');
  symlinkSync(join(base, 'secret.txt'), join(root, 'escape.jsonl'));
  symlinkSync(join(root, 'ok.jsonl'), join(root, 'inside-link.jsonl'));
  const ctx = { allowedRoots: [root], baseDir: base };

  it('resolves relative and absolute paths inside an allowed root', async () => {
    expect(await resolveFileSource('file://data/ok.jsonl', ctx)).toBe(join(root, 'ok.jsonl'));
    expect(await resolveFileSource(`file://${root}/ok.jsonl`, ctx)).toBe(join(root, 'ok.jsonl'));
    expect(await resolveFileSource('file://data/inside-link.jsonl', ctx)).toBe(join(root, 'ok.jsonl'));
  });

  it.each([
    ['file://data/../secret.txt', /"\.\." path segments/],
    ['file://data/%2E%2E/secret.txt', /"\.\." path segments/],
    ['file://secret.txt', /outside the allowed data roots/],
    ['file://data/escape.jsonl', /outside the allowed data roots/],
    ['file://data/missing.jsonl', /no such file/],
    ['file://data', /is a directory/],
    ['http://169.254.169.254/latest/meta-data', /scheme "http:\/\/" is not supported/],
  ])('rejects %s', async (uri, message) => {
    const err = await resolveFileSource(uri, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceRejectedError);
    expect((err as Error).message).toMatch(message);
  });

  it('names the URI and the data roots as configured, never an absolute server path', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'uploads-'));
    const two = { allowedRoots: [root, elsewhere], baseDir: base };
    const message = async (uri: string) => ((await resolveFileSource(uri, two).catch((e: unknown) => e)) as Error).message;
    expect(await message('file://data/missing.jsonl')).toBe('file://data/missing.jsonl: no such file in data root "data"');
    expect(await message(`file://${root}/missing.jsonl`)).toBe(`file://${root}/missing.jsonl: no such file in data root "data"`);
    const outside = `outside the allowed data roots (data, ${basename(elsewhere)}); set REFINERY_DATA_ROOTS to allow it`;
    expect(await message('file://secret.txt')).toBe(`file://secret.txt: ${outside}`);
    expect(await message('file://data/escape.jsonl')).toBe(`file://data/escape.jsonl: ${outside}`);
    // a missing path outside the roots reads like an existing one: no probing for files
    expect(await message('file://no-such-secret.txt')).toBe(`file://no-such-secret.txt: ${outside}`);
    expect(await message('file:///etc/no-such-file')).toBe(`file:///etc/no-such-file: ${outside}`);
    for (const uri of ['file://data/missing.jsonl', 'file://secret.txt', 'file://no-such-secret.txt', 'file://data/escape.jsonl']) {
      const m = await message(uri);
      expect(m).not.toContain(base);
      expect(m).not.toContain(tmpdir());
      expect(m).not.toMatch(/looked at/);
    }
  });

  it('names roots configured by REFINERY_DATA_ROOTS as written there', async () => {
    mkdirSync(join(base, '.data', 'uploads'), { recursive: true });
    const config = sourceContextFromConfig({ OBJECT_STORE_URL: '.data/objects', REFINERY_BASE_DIR: base, REFINERY_DATA_ROOTS: 'data:.data/uploads' });
    const err = (await resolveFileSource('file://examples/chat.jsonl', config).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('file://examples/chat.jsonl: outside the allowed data roots (data, .data/uploads); set REFINERY_DATA_ROOTS to allow it');
    const missing = (await resolveFileSource('file://.data/uploads/x.jsonl', config).catch((e: unknown) => e)) as Error;
    expect(missing.message).toBe('file://.data/uploads/x.jsonl: no such file in data root ".data/uploads"');
  });

  it('opens object:// sources from the store', async () => {
    const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'objs-')));
    const put = await store.put(Readable.from(['abc']));
    expect(await text(await openSource(put.uri, { ...ctx, store }))).toBe('abc');
    await expect(openSource('gopher://x', { ...ctx, store })).rejects.toThrow(/unsupported scheme/);
  });
});

describe('directory objects', () => {
  it('round-trips a directory through a manifest and dedups shared files', async () => {
    const { putDirectory, getDirectory } = await import('../src');
    const { readFileSync } = await import('node:fs');
    const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'objs-')));
    const src = mkdtempSync(join(tmpdir(), 'dir-'));
    mkdirSync(join(src, 'adapter'));
    writeFileSync(join(src, 'adapter', 'adapter_config.json'), '{"r":8}');
    writeFileSync(join(src, 'state.json'), '{"step":3}');
    const first = await putDirectory(store, src);
    expect(first.files).toBe(2);
    expect(first.uri).toMatch(/^object:\/\/sha256\//);
    expect((await putDirectory(store, src)).sha256).toBe(first.sha256);

    const out = join(mkdtempSync(join(tmpdir(), 'out-')), 'copy');
    const manifest = await getDirectory(store, first.uri, out);
    expect(manifest.files.map((f) => f.path)).toEqual(['adapter/adapter_config.json', 'state.json']);
    expect(readFileSync(join(out, 'adapter', 'adapter_config.json'), 'utf8')).toBe('{"r":8}');
  });
});
