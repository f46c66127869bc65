import { json } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { getProjectModel } from '@/lib/server/registry-service';

export const dynamic = 'force-dynamic';

/** A model of ?project=: every version's record, where each alias points, and the alias history. */
export const GET = route('GET /api/v1/models/{name}', async ({ server, project, params }) => json(await getProjectModel(server, project!, params.name)));
