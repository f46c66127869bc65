import { listMetricPoints } from '@refinery/db';
import { serverContext } from '@/lib/server/context';
import { HttpError, json, route } from '@/lib/server/http';
import { getRunOr404 } from '@/lib/server/runs-service';

export const dynamic = 'force-dynamic';

/** Training points (loss, learning rate, throughput, ETA; eval losses) after ?afterStep=N. */
export const GET = route(async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  const ctx = await serverContext();
  await getRunOr404(ctx, id);
  const after = new URL(req.url).searchParams.get('afterStep');
  const afterStep = after === null ? -1 : Number(after);
  if (!Number.isInteger(afterStep)) throw new HttpError(400, 'invalid_query', 'afterStep must be an integer');
  return json({ points: await listMetricPoints(ctx.database.db, id, afterStep) });
});
