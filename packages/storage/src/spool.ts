import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectTooLargeError, type PutOptions } from './object-store';

/**
 * Streams `source` into a temporary file while hashing it, so the content address is known
 * before the object is published. Memory stays constant whatever the size.
 */
export async function spoolToFile(source: Readable, tmpDir: string, opts: PutOptions = {}) {
  await mkdir(tmpDir, { recursive: true });
  const path = join(tmpDir, `${randomUUID()}.part`);
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (opts.maxBytes !== undefined && bytes > opts.maxBytes) return done(new ObjectTooLargeError(opts.maxBytes));
      hash.update(chunk);
      opts.onProgress?.(bytes);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, createWriteStream(path));
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
  return { path, sha256: hash.digest('hex'), bytes };
}
