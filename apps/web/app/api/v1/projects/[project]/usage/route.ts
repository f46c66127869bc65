import { json } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { projectUsageQuery } from '@/lib/server/usage-service';

export const dynamic = 'force-dynamic';

/** The project's usage and cost per run and in total, over stage attempts started in [?from, ?to). */
export const GET = route('GET /api/v1/projects/{project}/usage', async ({ req, server, params }) => json(await projectUsageQuery(server, params.project, new URL(req.url).searchParams)));
