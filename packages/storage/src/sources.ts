import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkUri } from '@refinery/core';
import { getDirectory } from './directories';
import { shaFromObjectUri, type ObjectStore } from './object-store';

export class SourceRejectedError extends Error {
  constructor(readonly uri: string, reason: string) {
    super(`${uri}: ${reason}`);
    this.name = 'SourceRejectedError';
  }
}

export interface SourceContext {
  /** `file://` sources must resolve (after symlinks) inside one of these directories. */
  allowedRoots: string[];
  /** Relative `file://` paths are resolved against this directory. */
  baseDir: string;
  store: ObjectStore;
  s3?: S3Client;
}

/**
 * Resolves a `file://` URI to a real path inside an allowed root, or throws. Checks the
 * real path (symlinks followed), so a link inside a root that points outside is refused.
 */
export async function resolveFileSource(uri: string, ctx: Pick<SourceContext, 'allowedRoots' | 'baseDir'>, expect: 'file' | 'directory' = 'file'): Promise<string> {
  const problem = checkUri(uri, ['file']);
  if (problem) throw new SourceRejectedError(uri, problem);
  let raw = uri.slice('file://'.length);
  try {
    raw = decodeURIComponent(raw);
  } catch {
    throw new SourceRejectedError(uri, 'the path is not valid percent-encoding');
  }
  const candidate = isAbsolute(raw) ? raw : resolve(ctx.baseDir, raw);
  // Messages name the URI and the data roots as configured (relative to the base dir), never
  // a server path: they reach API clients and the run page.
  const outside = () =>
    new SourceRejectedError(uri, `outside the allowed data roots (${ctx.allowedRoots.map((r) => rootName(r, ctx.baseDir)).join(', ')}); set REFINERY_DATA_ROOTS to allow it`);
  const roots = await Promise.all(ctx.allowedRoots.map(async (r) => ({ configured: resolve(r), real: await realpath(r).catch(() => resolve(r)) })));
  const real = await realpath(candidate).catch(() => {
    // A missing path outside every root gets the same answer as an existing one, so the
    // message does not tell whether a file exists elsewhere on the server.
    const root = roots.find((r) => isInside(r.configured, candidate) || isInside(r.real, candidate));
    throw root ? new SourceRejectedError(uri, `no such file in data root "${rootName(root.configured, ctx.baseDir)}"`) : outside();
  });
  if (!roots.some((root) => isInside(root.real, real))) throw outside();
  const info = await stat(real);
  if (expect === 'file' && info.isDirectory()) throw new SourceRejectedError(uri, 'is a directory, expected a file');
  if (expect === 'directory' && !info.isDirectory()) throw new SourceRejectedError(uri, 'is a file, expected a directory (a model in Hugging Face format)');
  return real;
}

/** Whether `path` is `root` or lies under it (both absolute, compared as written). */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * A data root's name for messages: its path relative to the base dir, as REFINERY_DATA_ROOTS
 * usually configures it (`examples`, `.data/uploads`); for a root outside the base dir only its
 * last path segment, so no absolute server path is shown.
 */
function rootName(root: string, baseDir: string): string {
  const abs = resolve(baseDir, root);
  if (isInside(resolve(baseDir), abs)) return relative(resolve(baseDir), abs) || '.';
  return basename(abs) || abs;
}

/** Opens a dataset or model source (`file://`, `s3://`, `object://`) as a byte stream. */
export async function openSource(uri: string, ctx: SourceContext): Promise<Readable> {
  if (uri.startsWith('file://')) return createReadStream(await resolveFileSource(uri, ctx));
  if (uri.startsWith('object://')) {
    const sha = shaFromObjectUri(uri);
    if (!sha) throw new SourceRejectedError(uri, 'object URIs look like object://sha256/<64 hex digits>');
    return ctx.store.get(sha);
  }
  if (uri.startsWith('s3://')) {
    const problem = checkUri(uri, ['s3']);
    if (problem) throw new SourceRejectedError(uri, problem);
    if (!ctx.s3) throw new SourceRejectedError(uri, 'no S3 client is configured (set S3_ENDPOINT / AWS credentials)');
    const [bucket, ...key] = uri.slice('s3://'.length).split('/');
    const out = await ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key.join('/') }));
    return out.Body as Readable;
  }
  throw new SourceRejectedError(uri, 'unsupported scheme; use file://, s3:// or object://');
}

/**
 * Makes a model directory available locally: `file://` dirs are used in place (inside the
 * allowed roots), `object://` directory objects and `s3://bucket/prefix/` are downloaded into
 * `scratch`; `hf://` ids are returned as they are for the trainer's hub client.
 */
export async function stageDirectorySource(uri: string, ctx: SourceContext, scratch: string): Promise<string> {
  if (uri.startsWith('hf://')) return uri;
  if (uri.startsWith('file://')) return resolveFileSource(uri, ctx, 'directory');
  if (uri.startsWith('object://')) {
    await getDirectory(ctx.store, uri, scratch);
    return scratch;
  }
  if (uri.startsWith('s3://')) {
    if (!ctx.s3) throw new SourceRejectedError(uri, 'no S3 client is configured (set S3_ENDPOINT / AWS credentials)');
    const [bucket, ...rest] = uri.slice('s3://'.length).split('/');
    const prefix = rest.join('/').replace(/\/?$/, '/');
    let token: string | undefined;
    let count = 0;
    do {
      const page = await ctx.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const obj of page.Contents ?? []) {
        const rel = obj.Key!.slice(prefix.length);
        if (!rel || rel.endsWith('/') || rel.split('/').includes('..')) continue;
        const out = join(scratch, rel);
        await mkdir(dirname(out), { recursive: true });
        const body = await ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: obj.Key }));
        await pipeline(body.Body as Readable, createWriteStream(out));
        count += 1;
      }
      token = page.NextContinuationToken;
    } while (token);
    if (count === 0) throw new SourceRejectedError(uri, 'no objects under this prefix');
    return scratch;
  }
  throw new SourceRejectedError(uri, 'unsupported scheme for a model; use file://, s3://, object:// or hf://');
}
