import { route } from '@/lib/server/route';
import { exportQuery, openLineageJsonl } from '@/lib/server/openlineage-service';

export const dynamic = 'force-dynamic';

/** The project's (or one run's) OpenLineage RunEvents as JSON Lines, streamed in emission order. */
export const GET = route('GET /api/v1/openlineage/events', async ({ req, server, project }) => {
  const q = await exportQuery(server, new URL(req.url), project!);
  const name = `openlineage-${q.project}${q.run ? `-${q.run}` : ''}.jsonl`.replace(/[^\w.-]/g, '_');
  return new Response(openLineageJsonl(server, q), {
    status: 200,
    headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' },
  });
});
