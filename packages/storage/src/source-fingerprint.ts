import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { shaFromObjectUri } from './object-store';
import { resolveFileSource, SourceRejectedError, type SourceContext } from './sources';

/**
 * A content fingerprint of a model directory source (the train stage's step-cache key holds its
 * base model's): what the model is, not where it is, so a `file://` or `s3://` model replaced
 * under the same URI gets another fingerprint.
 *
 * - `object://`: the directory manifest's own sha256 (content-addressed already; nothing is read).
 * - `file://`: sha256 of a manifest listing every file (symlinks followed) with its size and
 *   sha256. File hashes are remembered per process by (device, inode, size, mtime, ctime): a write
 *   always moves ctime (which utimes cannot set back), so an unchanged file is read only once.
 * - `s3://bucket/prefix/`: sha256 of the listing (key, size, ETag: S3's hash of the content).
 * - `hf://`: null. The hub's `main` can move and checking it needs the network: not cacheable.
 */
export async function directorySourceFingerprint(uri: string, ctx: SourceContext, o: { onProgress?: () => void } = {}): Promise<string | null> {
  if (uri.startsWith('hf://')) return null;
  if (uri.startsWith('object://')) {
    const sha = shaFromObjectUri(uri);
    if (!sha) throw new SourceRejectedError(uri, 'object URIs look like object://sha256/<64 hex digits>');
    return sha;
  }
  if (uri.startsWith('file://')) {
    const root = await resolveFileSource(uri, ctx, 'directory');
    const files: { path: string; bytes: number; sha256: string }[] = [];
    const seen = new Set<string>();
    const walk = async (dir: string, rel: string): Promise<void> => {
      const real = await realpath(dir);
      if (seen.has(real)) return; // a symlink loop
      seen.add(real);
      for (const name of (await readdir(dir)).sort()) {
        const full = join(dir, name);
        const path = rel ? `${rel}/${name}` : name;
        const info = await stat(full, { bigint: true });
        if (info.isDirectory()) await walk(full, path);
        else if (info.isFile()) {
          files.push({ path, bytes: Number(info.size), sha256: await fileSha256(full, info) });
          o.onProgress?.();
        }
      }
    };
    await walk(root, '');
    return sha256Of(JSON.stringify({ kind: 'refinery.source-fingerprint/v1', files }));
  }
  if (uri.startsWith('s3://')) {
    if (!ctx.s3) throw new SourceRejectedError(uri, 'no S3 client is configured (set S3_ENDPOINT / AWS credentials)');
    const [bucket, ...rest] = uri.slice('s3://'.length).split('/');
    const prefix = rest.join('/').replace(/\/?$/, '/');
    const listing: { key: string; bytes: number; etag: string }[] = [];
    let token: string | undefined;
    do {
      const page = await ctx.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const obj of page.Contents ?? []) {
        const key = obj.Key!.slice(prefix.length);
        if (key && !key.endsWith('/')) listing.push({ key, bytes: obj.Size ?? 0, etag: obj.ETag ?? '' });
      }
      token = page.NextContinuationToken;
      o.onProgress?.();
    } while (token);
    if (listing.length === 0) throw new SourceRejectedError(uri, 'no objects under this prefix');
    listing.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return sha256Of(JSON.stringify({ kind: 'refinery.source-fingerprint/v1', s3: listing }));
  }
  throw new SourceRejectedError(uri, 'unsupported scheme for a model; use file://, s3://, object:// or hf://');
}

const sha256Of = (s: string) => createHash('sha256').update(s).digest('hex');

const hashed = new Map<string, string>();

async function fileSha256(path: string, info: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): Promise<string> {
  const id = `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
  const known = hashed.get(id);
  if (known) return known;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const sha = hash.digest('hex');
  if (hashed.size > 100_000) hashed.clear();
  hashed.set(id, sha);
  return sha;
}
