import { text } from 'node:stream/consumers';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { DirectoryManifest } from './directories';
import type { ObjectStore } from './object-store';

/**
 * A directory object (see directories.ts) as a tar stream, for downloads: one regular-file entry
 * per manifest file, in manifest order, each streamed from the object store with backpressure, so
 * a model directory of any size passes through in small chunks and is never held in memory.
 * Uses tar-stream (pinned; docs/architecture.md says why).
 */

/** Reads and checks a directory manifest: its kind, and paths that stay inside the directory. */
export async function readDirectoryManifest(store: ObjectStore, sha256: string): Promise<DirectoryManifest> {
  const manifest = JSON.parse(await text(await store.get(sha256))) as DirectoryManifest;
  if (manifest?.kind !== 'refinery.directory/v1' || !Array.isArray(manifest.files)) throw new Error(`object sha256:${sha256} is not a directory manifest`);
  for (const f of manifest.files) {
    if (!isSafeRelativePath(f.path)) throw new Error(`unsafe path "${f.path}" in directory manifest sha256:${sha256}`);
  }
  return manifest;
}

/** A relative path with no empty, `.` or `..` segments and no backslashes (so it cannot leave its directory). */
export function isSafeRelativePath(path: string): boolean {
  return typeof path === 'string' && path.length > 0 && !path.startsWith('/') && !path.includes('\\') && !path.includes('\0') && path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/**
 * The tar stream of a directory (a streamx Readable, also an async iterable of chunks). Entries
 * are written one after the other; a store error destroys the stream, so a client sees a broken
 * download rather than a short archive that looks complete.
 */
export function directoryTarStream(store: ObjectStore, manifest: DirectoryManifest, opts: { mtime?: Date } = {}): Pack {
  const pack = tarPack();
  const mtime = opts.mtime ?? new Date(0);
  (async () => {
    for (const f of manifest.files) {
      const source = await store.get(f.sha256);
      const done = new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ name: f.path, size: f.bytes, mode: 0o644, mtime, type: 'file' }, (err) => (err ? reject(err) : resolve()));
        (async () => {
          for await (const chunk of source) {
            if (pack.destroyed) throw new Error('the download was abandoned');
            if (!entry.write(chunk as Buffer)) await drained(entry, pack);
          }
          entry.end();
        })().catch((err) => {
          source.destroy();
          entry.destroy(err as Error);
          reject(err);
        });
      });
      await done;
    }
    pack.finalize();
  })().catch((err: Error) => pack.destroy(err));
  return pack;
}

/** Resolves when the entry wants more; rejects when the pack is torn down (the client went away). */
function drained(entry: { once(e: string, f: () => void): unknown; off(e: string, f: () => void): unknown }, pack: Pack): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      pack.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      entry.off('drain', onDrain);
      reject(new Error('the download was abandoned'));
    };
    entry.once('drain', onDrain);
    pack.once('close', onClose);
  });
}
