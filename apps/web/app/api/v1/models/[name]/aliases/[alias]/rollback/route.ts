import { json } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { rollbackModelAlias } from '@/lib/server/registry-service';

export const dynamic = 'force-dynamic';

/** Moves the alias back to the version it held before its current one was promoted (audited). */
export const POST = route('POST /api/v1/models/{name}/aliases/{alias}/rollback', async ({ server, project, params, actor }) => json(await rollbackModelAlias(server, project!, params.name, params.alias, actor)));
