import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { extract as tarExtract } from 'tar-stream';

/**
 * Streams a downloaded artifact to disk and verifies it on the way: a single file against the
 * sha256 the server names (X-Content-SHA256), a directory's tar entry by entry against its
 * manifest (whose own sha256 is checked first). Everything is written under a temporary name
 * beside the target and renamed into place only once verified, so a mismatch or a broken
 * connection leaves nothing behind.
 */

export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

export interface DirectoryManifest {
  kind: 'refinery.directory/v1';
  files: { path: string; sha256: string; bytes: number }[];
}

/** A relative path with no empty, `.` or `..` segments (so it cannot leave the output directory). */
export const isSafeRelativePath = (path: string) =>
  path.length > 0 && !path.startsWith('/') && !path.includes('\\') && !path.includes('\0') && path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');

const nodeStream = (body: ReadableStream<Uint8Array>) => Readable.fromWeb(body as unknown as WebReadableStream);
const partialName = (target: string) => join(dirname(target), `.${basename(target)}.partial-${randomBytes(4).toString('hex')}`);

/** Fails (before anything is written) when the target exists and `force` is not set. */
export async function checkTarget(target: string, force: boolean): Promise<void> {
  const exists = await lstat(target).then(
    () => true,
    () => false,
  );
  if (exists && !force) throw new Error(`${target} already exists; choose another path with -o, or pass --force to replace it`);
}

async function moveIntoPlace(partial: string, target: string, force: boolean): Promise<void> {
  if (force) await rm(target, { recursive: true, force: true });
  await rename(partial, target);
}

/** Writes `body` to `target`, hashing as it goes; the file appears only if its sha256 is `expectedSha256`. */
export async function saveVerifiedFile(body: ReadableStream<Uint8Array>, target: string, expectedSha256: string, opts: { force?: boolean } = {}): Promise<{ bytes: number; sha256: string }> {
  const path = resolve(target);
  await checkTarget(path, Boolean(opts.force));
  await mkdir(dirname(path), { recursive: true });
  const partial = partialName(path);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      nodeStream(body),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(partial, { flags: 'wx', mode: 0o644 }),
    );
    const sha256 = hash.digest('hex');
    if (sha256 !== expectedSha256) throw new IntegrityError(`sha256 mismatch: the server named ${expectedSha256}, the ${bytes} bytes received hash to ${sha256}; nothing was written`);
    await moveIntoPlace(partial, path, Boolean(opts.force));
    return { bytes, sha256 };
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}

/** Reads a (small) manifest body, checks it hashes to `expectedSha256` and has the manifest's shape. */
export async function readVerifiedManifest(body: ReadableStream<Uint8Array>, expectedSha256: string): Promise<DirectoryManifest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of nodeStream(body)) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024 * 1024) throw new IntegrityError('the directory manifest is larger than 64 MiB; refusing it');
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== expectedSha256) throw new IntegrityError(`the directory manifest hashes to ${sha256}, not ${expectedSha256}; nothing was written`);
  const manifest = JSON.parse(bytes.toString('utf8')) as DirectoryManifest;
  if (manifest?.kind !== 'refinery.directory/v1' || !Array.isArray(manifest.files)) throw new IntegrityError('the response is not a directory manifest');
  for (const f of manifest.files) if (!isSafeRelativePath(f.path)) throw new IntegrityError(`unsafe path "${f.path}" in the directory manifest; nothing was written`);
  return manifest;
}

/**
 * Untars `body` into `target`: only regular files named in the manifest, each exactly once and
 * hashing to its manifest sha256; every manifest file must arrive. The directory appears only
 * when all of that holds.
 */
export async function extractVerifiedDirectory(body: ReadableStream<Uint8Array>, target: string, manifest: DirectoryManifest, opts: { force?: boolean } = {}): Promise<{ files: number; bytes: number }> {
  const root = resolve(target);
  await checkTarget(root, Boolean(opts.force));
  await mkdir(dirname(root), { recursive: true });
  const partial = partialName(root);
  const expected = new Map(manifest.files.map((f) => [f.path, f]));
  const seen = new Set<string>();
  let bytes = 0;
  const extract = tarExtract();
  try {
    await mkdir(partial, { mode: 0o755 });
    const entries = (async () => {
      for await (const entry of extract) {
        const name = entry.header.name.replace(/^\.\//, '');
        if (entry.header.type === 'directory') {
          entry.resume();
          continue;
        }
        if (entry.header.type !== 'file') throw new IntegrityError(`the archive holds a ${entry.header.type} entry "${name}"; only regular files are expected`);
        const want = expected.get(name);
        if (!want || !isSafeRelativePath(name)) throw new IntegrityError(`the archive holds "${name}", which is not in the directory manifest`);
        if (seen.has(name)) throw new IntegrityError(`the archive holds "${name}" twice`);
        seen.add(name);
        const out = join(partial, name);
        await mkdir(dirname(out), { recursive: true });
        const hash = createHash('sha256');
        let size = 0;
        await pipeline(async function* () {
          for await (const chunk of entry) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        }, createWriteStream(out, { flags: 'wx', mode: 0o644 }));
        const sha256 = hash.digest('hex');
        if (sha256 !== want.sha256 || size !== want.bytes) {
          throw new IntegrityError(`${name}: sha256 mismatch: the manifest names ${want.sha256} (${want.bytes} bytes), the ${size} bytes received hash to ${sha256}; nothing was written`);
        }
        bytes += size;
      }
    })();
    await Promise.all([pipeline(nodeStream(body), extract as unknown as Writable), entries]);
    const missing = manifest.files.filter((f) => !seen.has(f.path));
    if (missing.length > 0) throw new IntegrityError(`the archive ended without ${missing.length} file(s) of the manifest (first: ${missing[0]!.path}); nothing was written`);
    await moveIntoPlace(partial, root, Boolean(opts.force));
    return { files: seen.size, bytes };
  } catch (err) {
    extract.destroy();
    await rm(partial, { recursive: true, force: true });
    throw err;
  }
}
