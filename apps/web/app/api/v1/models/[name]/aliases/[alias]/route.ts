import { PromoteRequestSchema } from '@refinery/core';
import { json, readJson } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { promoteVersion } from '@/lib/server/registry-service';

export const dynamic = 'force-dynamic';

/** Moves the alias to `{version}` atomically (audited); moving it where it already is changes nothing. */
export const POST = route('POST /api/v1/models/{name}/aliases/{alias}', async ({ req, server, project, params, actor }) => {
  const { version } = await readJson(req, PromoteRequestSchema);
  return json(await promoteVersion(server, project!, params.name, params.alias, version, actor));
});
