import { json } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { listProjectModels } from '@/lib/server/registry-service';

export const dynamic = 'force-dynamic';

/** The registry models of ?project=, with their latest version and aliases. */
export const GET = route('GET /api/v1/models', async ({ server, project }) => json(await listProjectModels(server, project!)));
