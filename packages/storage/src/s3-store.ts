import { GetObjectCommand, HeadObjectCommand, NotFound, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isSha256, ObjectNotFoundError, objectUri, type ObjectStore, type PutOptions, type StoredObject } from './object-store';
import { spoolToFile } from './spool';

export interface S3StoreOptions {
  bucket: string;
  prefix?: string;
  client: S3Client;
  /** Where uploads are spooled while hashed; defaults to the OS temp dir. */
  spoolDir?: string;
}

/** Builds an S3 client from env-style settings; path-style for S3-compatible servers. */
export function createS3Client(o: { endpoint?: string; region?: string; forcePathStyle?: boolean; credentials?: S3ClientConfig['credentials'] }) {
  return new S3Client({
    region: o.region ?? 'us-east-1',
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    forcePathStyle: o.forcePathStyle ?? Boolean(o.endpoint),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    // Compatible servers differ in checksum support; only send them where S3 requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export class S3ObjectStore implements ObjectStore {
  private readonly prefix: string;
  constructor(private readonly o: S3StoreOptions) {
    this.prefix = o.prefix ? `${o.prefix.replace(/\/+$/, '')}/` : '';
  }

  get description() {
    return `s3://${this.o.bucket}/${this.prefix}`;
  }

  private keyOf(sha256: string): string {
    if (!isSha256(sha256)) throw new Error(`invalid sha256 "${sha256}"`);
    return `${this.prefix}sha256/${sha256.slice(0, 2)}/${sha256}`;
  }

  async put(source: Readable, opts?: PutOptions): Promise<StoredObject> {
    // The key is the content hash, known only after reading everything: spool locally first.
    const spooled = await spoolToFile(source, this.o.spoolDir ?? join(tmpdir(), 'refinery-spool'), opts);
    try {
      if (!(await this.exists(spooled.sha256))) {
        await new Upload({
          client: this.o.client,
          params: { Bucket: this.o.bucket, Key: this.keyOf(spooled.sha256), Body: createReadStream(spooled.path) },
        }).done();
      }
    } finally {
      await rm(spooled.path, { force: true });
    }
    return { sha256: spooled.sha256, bytes: spooled.bytes, uri: objectUri(spooled.sha256) };
  }

  async get(sha256: string): Promise<Readable> {
    try {
      const out = await this.o.client.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: this.keyOf(sha256) }));
      return out.Body as Readable;
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey' || err instanceof NotFound) throw new ObjectNotFoundError(sha256);
      throw err;
    }
  }

  async exists(sha256: string): Promise<boolean> {
    return (await this.head(sha256)) !== null;
  }

  async size(sha256: string): Promise<number> {
    const n = await this.head(sha256);
    if (n === null) throw new ObjectNotFoundError(sha256);
    return n;
  }

  private async head(sha256: string): Promise<number | null> {
    try {
      const out = await this.o.client.send(new HeadObjectCommand({ Bucket: this.o.bucket, Key: this.keyOf(sha256) }));
      return out.ContentLength ?? 0;
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (err instanceof NotFound || status === 404) return null;
      throw err;
    }
  }
}
