import { serverContext } from '@/lib/server/context';
import { json, route } from '@/lib/server/http';
import { getRunOr404 } from '@/lib/server/runs-service';

export const dynamic = 'force-dynamic';

export const GET = route(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  return json(await getRunOr404(await serverContext(), id));
});
