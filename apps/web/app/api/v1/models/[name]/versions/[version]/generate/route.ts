import { GenerateRequestSchema } from '@refinery/core';
import { readJson } from '@/lib/server/http';
import { playgroundTurn } from '@/lib/server/playground';
import { route } from '@/lib/server/route';
import { getProjectModel } from '@/lib/server/registry-service';

export const dynamic = 'force-dynamic';

/** One chat turn with the version's GGUF (node-llama-cpp), streamed as server-sent events. */
export const POST = route('POST /api/v1/models/{name}/versions/{version}/generate', async ({ req, server, project, params, actor }) => {
  const request = await readJson(req, GenerateRequestSchema);
  const model = await getProjectModel(server, project!, params.name);
  return playgroundTurn(server, model, params.version, request, actor, req.signal);
});
