import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ObjectTooLargeError } from '@refinery/storage';
import { audit, recordUpload } from '@refinery/db';
import { HttpError, json } from '@/lib/server/http';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

/**
 * Streams the request body into the object store (never buffered whole) and returns its
 * `object://sha256/...` URI for use as `dataset.uri` in runs of ?project=. Bodies over
 * MAX_UPLOAD_BYTES are refused.
 */
export const POST = route('POST /api/v1/uploads', async ({ req, server, actor, project }) => {
  const limit = server.config.MAX_UPLOAD_BYTES;
  if (!req.body) throw new HttpError(400, 'empty_body', 'send the file as the request body');
  if (Number(req.headers.get('content-length') ?? 0) > limit) throw new HttpError(413, 'too_large', `the upload exceeds the limit of ${limit} bytes`);
  try {
    const stored = await server.sources.store.put(Readable.fromWeb(req.body as WebReadableStream), { maxBytes: limit });
    await recordUpload(server.database.db, { projectId: project!, sha256: stored.sha256, bytes: stored.bytes, uploadedBy: actor });
    await audit(server.database.db, { actor, action: 'object.uploaded', subjectType: 'object', subjectId: stored.sha256, projectId: project, data: { bytes: stored.bytes, project } });
    return json(stored, 201);
  } catch (err) {
    if (err instanceof ObjectTooLargeError) throw new HttpError(413, 'too_large', err.message);
    throw err;
  }
});
