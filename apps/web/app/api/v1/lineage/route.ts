import { json } from '@/lib/server/http';
import { lineageQuery } from '@/lib/server/lineage-service';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

/** The lineage graph around ?node= (artifact sha256 or id, run id, <project>/<model>@v<N>): ?direction=up|down|both&depth=N. */
export const GET = route('GET /api/v1/lineage', async ({ req, server, principal, authorize }) => json(await lineageQuery(server, new URL(req.url).searchParams, principal, authorize)));
