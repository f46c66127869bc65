import { json } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { cancelRun } from '@/lib/server/runs-service';

export const dynamic = 'force-dynamic';

export const POST = route('POST /api/v1/runs/{id}/cancel', async ({ server, params, actor }) => json(await cancelRun(server, params.id, actor), 202));
