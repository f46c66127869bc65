import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadToolchain } from '../../../infra/src/toolchain';
import { freePort, waitFor } from '../../../infra/src/ports';
import { createS3Client, ObjectNotFoundError, ObjectTooLargeError, objectStoreFromUrl, openSource, S3ObjectStore } from '../src';

/**
 * The S3 store against versitygw, a real S3-compatible server (built by the bootstrap with
 * `go install`), on loopback with a posix backend in a temp dir.
 */
let server: ChildProcess;
let endpoint: string;
const credentials = { accessKeyId: 'refinery-test', secretAccessKey: 'refinery-test-secret' };

beforeAll(async () => {
  const { versitygw } = loadToolchain();
  if (!versitygw) throw new Error('versitygw missing: run `bash scripts/bootstrap`');
  const root = mkdtempSync(join(tmpdir(), 'vgw-'));
  mkdirSync(join(root, 'sidecar'));
  mkdirSync(join(root, 'data'));
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  server = spawn(versitygw, ['--access', credentials.accessKeyId, '--secret', credentials.secretAccessKey, '--port', `127.0.0.1:${port}`, 'posix', '--sidecar', join(root, 'sidecar'), join(root, 'data')], { stdio: 'ignore' });
  const client = createS3Client({ endpoint, credentials });
  await waitFor('versitygw', async () => (await client.send(new CreateBucketCommand({ Bucket: 'refinery' })), true), 20_000);
});

afterAll(() => {
  server?.kill('SIGTERM');
});

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

describe('S3ObjectStore on a real S3-compatible server', () => {
  it('puts, heads and gets by sha256 under a prefix; the same content twice is one object', async () => {
    const store = new S3ObjectStore({ bucket: 'refinery', prefix: 'objects/', client: createS3Client({ endpoint, credentials }) });
    const body = Buffer.alloc(6 * 1024 * 1024, 7); // over the 5 MiB part size: a multipart upload
    const put = await store.put(Readable.from([body]));
    expect(put).toEqual({ sha256: sha(body), bytes: body.length, uri: `object://sha256/${sha(body)}` });
    expect(await store.exists(put.sha256)).toBe(true);
    expect(await store.size(put.sha256)).toBe(body.length);
    const back = Buffer.concat(await (await store.get(put.sha256)).toArray());
    expect(sha(back)).toBe(put.sha256);
    expect((await store.put(Readable.from([body]))).sha256).toBe(put.sha256);
  });

  it('reports missing objects and enforces maxBytes', async () => {
    const store = new S3ObjectStore({ bucket: 'refinery', client: createS3Client({ endpoint, credentials }) });
    expect(await store.exists('f'.repeat(64))).toBe(false);
    await expect(store.get('f'.repeat(64))).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.put(Readable.from(['x'.repeat(2000)]), { maxBytes: 100 })).rejects.toBeInstanceOf(ObjectTooLargeError);
  });

  it('reads s3:// sources and builds a store from OBJECT_STORE_URL', async () => {
    const s3 = createS3Client({ endpoint, credentials });
    await s3.send(new PutObjectCommand({ Bucket: 'refinery', Key: 'raw/tickets.jsonl', Body: '{"text":"hi"}\n' }));
    const { store } = objectStoreFromUrl('s3://refinery/prefix', { S3_ENDPOINT: endpoint });
    expect(store.description).toBe('s3://refinery/prefix/');
    const stream = await openSource('s3://refinery/raw/tickets.jsonl', { allowedRoots: [], baseDir: '/', store, s3 });
    expect(await text(stream)).toBe('{"text":"hi"}\n');
  });
});
