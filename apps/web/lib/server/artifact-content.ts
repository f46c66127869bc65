import type { Readable } from 'node:stream';
import { DIRECTORY_MEDIA_TYPE, directoryTarStream, ObjectNotFoundError, readDirectoryManifest, type ObjectStore } from '@refinery/storage';
import type { ArtifactRow } from '@refinery/db';
import { HttpError } from './http';
import { log } from './log';

/**
 * What `GET /api/v1/artifacts/{id}/content` sends. A single-file artifact: its stored bytes, with
 * their sha256 (X-Content-SHA256, Digest, Repr-Digest), ETag, media type, length and a filename. A
 * directory artifact (adapter, merged model, checkpoint): a tar of its files, with the directory's
 * manifest sha256 (X-Refinery-Manifest-SHA256), or with ?format=manifest the manifest itself (the
 * object the artifact's sha256 names; each file's sha256 is in it). Bytes are streamed from the
 * object store with backpressure and never held whole in memory; clients verify the hashes.
 */
export type ContentFormat = 'raw' | 'tar' | 'manifest';

const EXTENSIONS: Record<string, string> = {
  'application/jsonl': '.jsonl',
  'application/x-ndjson': '.jsonl',
  'application/json': '.json',
  'application/vnd.gguf': '.gguf',
  'text/plain': '.txt',
  'text/markdown': '.md',
};

export function contentFormat(artifact: ArtifactRow, requested: string | null): ContentFormat {
  const isDirectory = artifact.mediaType === DIRECTORY_MEDIA_TYPE;
  if (requested === null) return isDirectory ? 'tar' : 'raw';
  if (isDirectory && (requested === 'tar' || requested === 'manifest')) return requested;
  if (!isDirectory && requested === 'raw') return 'raw';
  const allowed = isDirectory ? 'tar (the default) or manifest' : 'raw (the default)';
  throw new HttpError(400, 'invalid_query', `format must be ${allowed} for this ${isDirectory ? 'directory' : 'single-file'} artifact; got "${requested}"`);
}

/** The download's file name: the artifact's own (GGUF files have one), else kind + short hash. */
export function downloadName(artifact: ArtifactRow, format: ContentFormat): string {
  const own = (artifact.metadata as { file?: unknown } | null)?.file;
  const base = typeof own === 'string' && /^\w[\w.-]{0,200}$/.test(own) ? own : `${artifact.kind.replace(/[^\w.-]/g, '_')}-${artifact.sha256.slice(0, 12)}`;
  if (format === 'tar') return `${base}.tar`;
  if (format === 'manifest') return `${base}.manifest.json`;
  const ext = EXTENSIONS[artifact.mediaType] ?? '';
  return base.endsWith(ext) ? base : `${base}${ext}`;
}

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

export async function artifactContent(store: ObjectStore, artifact: ArtifactRow, format: ContentFormat, ifNoneMatch: string | null): Promise<Response> {
  const name = downloadName(artifact, format);
  const etag = format === 'tar' ? `"${artifact.sha256}.tar"` : `"${artifact.sha256}"`;
  const headers: Record<string, string> = {
    'content-disposition': `attachment; filename="${name}"`,
    etag,
    'cache-control': 'private, no-cache',
    'x-content-type-options': 'nosniff',
    'x-refinery-artifact-kind': artifact.kind,
  };
  if (format === 'tar') headers['x-refinery-manifest-sha256'] = artifact.sha256;
  else Object.assign(headers, { 'x-content-sha256': artifact.sha256, digest: `sha-256=${b64(artifact.sha256)}`, 'repr-digest': `sha-256=:${b64(artifact.sha256)}:` });
  // The content never changes (it is named by its hash): a client holding it gets 304.
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return new Response(null, { status: 304, headers });
  try {
    if (format === 'tar') {
      const manifest = await readDirectoryManifest(store, artifact.sha256);
      const pack = directoryTarStream(store, manifest, { mtime: artifact.createdAt });
      return new Response(webStream(pack), { status: 200, headers: { ...headers, 'content-type': 'application/x-tar', 'x-refinery-files': String(manifest.files.length) } });
    }
    const bytes = await store.size(artifact.sha256);
    const body = await store.get(artifact.sha256);
    const contentType = format === 'manifest' ? DIRECTORY_MEDIA_TYPE : artifact.mediaType;
    return new Response(webStream(body), { status: 200, headers: { ...headers, 'content-type': contentType, 'content-length': String(bytes) } });
  } catch (err) {
    if (err instanceof ObjectNotFoundError) {
      log.error({ artifactId: artifact.id, sha256: err.sha256 }, 'artifact content missing from the object store');
      throw new HttpError(500, 'content_missing', `artifact "${artifact.id}" is recorded but its content (sha256:${err.sha256}) is missing from the object store; tell an operator`);
    }
    throw err;
  }
}

/**
 * A web stream that pulls one chunk at a time from a Node or streamx readable (backpressure: the
 * next chunk is read only when the client has taken the last), and tears the source down when the
 * client goes away.
 */
function webStream(source: Readable | (AsyncIterable<unknown> & { destroy(err?: Error): unknown })): ReadableStream<Uint8Array> {
  const it = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { value, done } = await it.next();
          if (done) controller.close();
          else controller.enqueue(value instanceof Uint8Array ? value : new Uint8Array(Buffer.from(value as string)));
        } catch (err) {
          controller.error(err);
        }
      },
      async cancel() {
        source.destroy();
        await it.return?.().catch(() => {});
      },
    },
    { highWaterMark: 1 },
  );
}
