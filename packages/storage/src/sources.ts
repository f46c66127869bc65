import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { checkUri } from '@refinery/core';
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
export async function resolveFileSource(uri: string, ctx: Pick<SourceContext, 'allowedRoots' | 'baseDir'>): Promise<string> {
  const problem = checkUri(uri, ['file']);
  if (problem) throw new SourceRejectedError(uri, problem);
  let raw = uri.slice('file://'.length);
  try {
    raw = decodeURIComponent(raw);
  } catch {
    throw new SourceRejectedError(uri, 'the path is not valid percent-encoding');
  }
  const candidate = isAbsolute(raw) ? raw : resolve(ctx.baseDir, raw);
  const real = await realpath(candidate).catch(() => {
    throw new SourceRejectedError(uri, `no such file (looked at ${candidate})`);
  });
  const roots = await Promise.all(ctx.allowedRoots.map((r) => realpath(r).catch(() => resolve(r))));
  const inside = roots.some((root) => {
    const rel = relative(root, real);
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
  });
  if (!inside) {
    throw new SourceRejectedError(uri, `outside the allowed data roots (${ctx.allowedRoots.join(', ')}); set REFINERY_DATA_ROOTS to allow it`);
  }
  const info = await stat(real);
  if (info.isDirectory()) throw new SourceRejectedError(uri, 'is a directory, expected a file');
  return real;
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
