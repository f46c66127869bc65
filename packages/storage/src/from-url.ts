import { isAbsolute, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { LocalObjectStore } from './local-store';
import type { ObjectStore } from './object-store';
import type { SourceContext } from './sources';
import { createS3Client, S3ObjectStore } from './s3-store';

/**
 * OBJECT_STORE_URL: a path or file:///abs/path for the local store, or s3://bucket/prefix
 * (endpoint and path-style from S3_ENDPOINT / S3_FORCE_PATH_STYLE, credentials from the
 * standard AWS environment).
 */
export function objectStoreFromUrl(
  url: string,
  env: Record<string, string | undefined> = process.env,
  baseDir = process.cwd(),
): { store: ObjectStore; s3?: S3Client } {
  if (url.startsWith('s3://')) {
    const [bucket, ...prefix] = url.slice('s3://'.length).split('/');
    if (!bucket) throw new Error(`OBJECT_STORE_URL "${url}" has no bucket; use s3://bucket/prefix`);
    const s3 = createS3Client({
      endpoint: env.S3_ENDPOINT,
      region: env.AWS_REGION,
      forcePathStyle: env.S3_FORCE_PATH_STYLE ? env.S3_FORCE_PATH_STYLE === 'true' : undefined,
    });
    return { store: new S3ObjectStore({ bucket, prefix: prefix.join('/'), client: s3 }), s3 };
  }
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
  return { store: new LocalObjectStore(isAbsolute(path) ? path : resolve(baseDir, path)) };
}

/**
 * Where every process reads sources from, built the same way everywhere from its config:
 * the object store, relative paths resolved against REFINERY_BASE_DIR, and the data roots.
 */
export function sourceContextFromConfig(config: { OBJECT_STORE_URL: string; REFINERY_BASE_DIR: string; REFINERY_DATA_ROOTS: string }): SourceContext {
  const baseDir = resolve(config.REFINERY_BASE_DIR);
  const { store, s3 } = objectStoreFromUrl(config.OBJECT_STORE_URL, process.env, baseDir);
  return { store, s3, baseDir, allowedRoots: config.REFINERY_DATA_ROOTS.split(':').map((root) => resolve(baseDir, root)) };
}
