import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { text } from 'node:stream/consumers';
import { shaFromObjectUri, type ObjectStore, type StoredObject } from './object-store';

/**
 * A directory (a checkpoint, an adapter, a model) stored as one object per file plus a JSON
 * manifest object listing them; the manifest's address names the whole directory. Files shared
 * between checkpoints are stored once.
 */
export const DIRECTORY_MEDIA_TYPE = 'application/vnd.refinery.directory+json';

export interface DirectoryManifest {
  kind: 'refinery.directory/v1';
  files: { path: string; sha256: string; bytes: number }[];
}

export async function putDirectory(store: ObjectStore, dir: string): Promise<StoredObject & { files: number }> {
  const files: DirectoryManifest['files'] = [];
  for (const path of await listFiles(dir)) {
    const stored = await store.put(createReadStream(join(dir, path)));
    files.push({ path, sha256: stored.sha256, bytes: stored.bytes });
  }
  const manifest: DirectoryManifest = { kind: 'refinery.directory/v1', files };
  const stored = await store.put(Readable.from([JSON.stringify(manifest)]));
  return { ...stored, bytes: files.reduce((n, f) => n + f.bytes, 0), files: files.length };
}

/** Materialises a directory object under `target` (created; existing files are overwritten). */
export async function getDirectory(store: ObjectStore, uri: string, target: string): Promise<DirectoryManifest> {
  const sha = shaFromObjectUri(uri);
  if (!sha) throw new Error(`${uri} is not an object:// URI`);
  const manifest = JSON.parse(await text(await store.get(sha))) as DirectoryManifest;
  if (manifest.kind !== 'refinery.directory/v1') throw new Error(`${uri} is not a directory manifest`);
  await rm(target, { recursive: true, force: true });
  for (const f of manifest.files) {
    if (f.path.split('/').some((seg) => seg === '..' || seg === '') || f.path.startsWith('/')) throw new Error(`unsafe path "${f.path}" in manifest ${uri}`);
    const out = join(target, f.path);
    await mkdir(dirname(out), { recursive: true });
    await pipeline(await store.get(f.sha256), createWriteStream(out));
  }
  return manifest;
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  await walk(root);
  return out.sort();
}

/**
 * Whether a stored artifact's bytes are all still in the store: the object itself and, for a
 * directory object, every file its manifest lists (step caching checks this before reusing it).
 */
export async function storedObjectsPresent(store: ObjectStore, artifact: { sha256: string; mediaType: string | null }): Promise<boolean> {
  if (!(await store.exists(artifact.sha256))) return false;
  if (artifact.mediaType !== DIRECTORY_MEDIA_TYPE) return true;
  const manifest = JSON.parse(await text(await store.get(artifact.sha256))) as DirectoryManifest;
  for (const f of manifest.files) if (!(await store.exists(f.sha256))) return false;
  return true;
}
