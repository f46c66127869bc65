import { resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { LocalObjectStore } from './local-store';
import type { ObjectStore } from './object-store';
import { createS3Client, S3ObjectStore } from './s3-store';

/**
 * OBJECT_STORE_URL: a path or file:///abs/path for the local store, or s3://bucket/prefix
 * (endpoint and path-style from S3_ENDPOINT / S3_FORCE_PATH_STYLE, credentials from the
 * standard AWS environment).
 */
export function objectStoreFromUrl(url: string, env: Record<string, string | undefined> = process.env): { store: ObjectStore; s3?: S3Client } {
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
  return { store: new LocalObjectStore(resolve(path)) };
}
