import { serverContext } from '@/lib/server/context';
import { json, route } from '@/lib/server/http';
import { cancelRun } from '@/lib/server/runs-service';

export const dynamic = 'force-dynamic';

export const POST = route(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  return json(await cancelRun(await serverContext(), id, 'api'), 202);
});
