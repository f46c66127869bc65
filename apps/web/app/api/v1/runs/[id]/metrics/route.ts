import { listMetricPoints } from '@refinery/db';
import { HttpError, json } from '@/lib/server/http';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

/** Training points (loss, learning rate, throughput, ETA; eval losses) after ?afterStep=N. */
export const GET = route('GET /api/v1/runs/{id}/metrics', async ({ req, server, params }) => {
  const after = new URL(req.url).searchParams.get('afterStep');
  const afterStep = after === null ? -1 : Number(after);
  if (!Number.isInteger(afterStep)) throw new HttpError(400, 'invalid_query', 'afterStep must be an integer');
  return json({ points: await listMetricPoints(server.database.db, params.id, afterStep) });
});
