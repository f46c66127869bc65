import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ObjectTooLargeError } from '@refinery/storage';
import { audit } from '@refinery/db';
import { serverContext } from '@/lib/server/context';
import { HttpError, json, route } from '@/lib/server/http';

export const dynamic = 'force-dynamic';

/**
 * Streams the request body into the object store (never buffered whole) and returns its
 * `object://sha256/...` URI for use as `dataset.uri`. Bodies over MAX_UPLOAD_BYTES are refused.
 */
export const POST = route(async (req: Request) => {
  const ctx = await serverContext();
  const limit = ctx.config.MAX_UPLOAD_BYTES;
  if (!req.body) throw new HttpError(400, 'empty_body', 'send the file as the request body');
  if (Number(req.headers.get('content-length') ?? 0) > limit) throw new HttpError(413, 'too_large', `the upload exceeds the limit of ${limit} bytes`);
  try {
    const stored = await ctx.sources.store.put(Readable.fromWeb(req.body as WebReadableStream), { maxBytes: limit });
    await audit(ctx.database.db, { actor: 'api', action: 'object.uploaded', subjectType: 'object', subjectId: stored.sha256, data: { bytes: stored.bytes } });
    return json(stored, 201);
  } catch (err) {
    if (err instanceof ObjectTooLargeError) throw new HttpError(413, 'too_large', err.message);
    throw err;
  }
});
