import { modelCard, modelCardMarkdown } from '@refinery/core';
import { HttpError } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { getProjectModel } from '@/lib/server/registry-service';

export const dynamic = 'force-dynamic';

/** The version's model card as Markdown, built from its immutable record. */
export const GET = route('GET /api/v1/models/{name}/versions/{version}/card', async ({ server, project, params }) => {
  const model = await getProjectModel(server, project!, params.name);
  const version = model.versions.find((v) => String(v.version) === params.version);
  if (!version) throw new HttpError(404, 'not_found', `model ${model.name} has no version ${JSON.stringify(params.version)}; it has ${model.versions.map((v) => v.version).join(', ') || 'none'}`);
  return new Response(modelCardMarkdown(modelCard(model, version)), {
    headers: { 'content-type': 'text/markdown; charset=utf-8', 'content-disposition': `inline; filename="${model.name}-v${version.version}-card.md"` },
  });
});
