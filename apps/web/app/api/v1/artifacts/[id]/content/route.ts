import { audit, getArtifactRow } from '@refinery/db';
import { artifactContent, contentFormat } from '@/lib/server/artifact-content';
import { HttpError } from '@/lib/server/http';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

/**
 * Downloads an artifact, streamed: a single file as stored (with its sha256), a directory as a
 * tar of its files (or ?format=manifest: its manifest, which lists each file's sha256).
 */
export const GET = route('GET /api/v1/artifacts/{id}/content', async ({ req, server, params, actor }) => {
  const artifact = await getArtifactRow(server.database.db, params.id);
  if (!artifact) throw new HttpError(404, 'not_found', `no artifact with id "${params.id}"`);
  const format = contentFormat(artifact, new URL(req.url).searchParams.get('format'));
  const res = await artifactContent(server.sources.store, artifact, format, req.headers.get('if-none-match'));
  if (res.status === 200) {
    await audit(server.database.db, { actor, action: 'artifact.downloaded', subjectType: 'artifact', subjectId: artifact.id, data: { kind: artifact.kind, sha256: artifact.sha256, format, runId: artifact.runId } });
  }
  return res;
});
