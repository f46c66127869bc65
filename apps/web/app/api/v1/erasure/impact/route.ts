import { ErasureImpactRequestSchema } from '@refinery/core';
import { json, readJson } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { erasureImpact } from '@/lib/server/erasure-service';

export const dynamic = 'force-dynamic';

/** Every run and registry version downstream of a dataset, artifact, source URI or record hash (data.erase: it reveals what the data held). */
export const POST = route('POST /api/v1/erasure/impact', async ({ req, server, authorize }) => {
  const { project, reference } = await readJson(req, ErasureImpactRequestSchema);
  authorize(project);
  return json(await erasureImpact(server, project, reference));
});
