import { json } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { getRunOr404 } from '@/lib/server/runs-service';

export const dynamic = 'force-dynamic';

export const GET = route('GET /api/v1/runs/{id}', async ({ server, params }) => json(await getRunOr404(server, params.id)));
