import { ErasureMarkRequestSchema } from '@refinery/core';
import { json, readJson } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { markErasure } from '@/lib/server/erasure-service';

export const dynamic = 'force-dynamic';

/** Marks every version downstream of the reference affected (idempotent; each new mark audited as erasure.marked). */
export const POST = route('POST /api/v1/erasure/marks', async ({ req, server, authorize, actor }) => {
  const { project, reference, reason } = await readJson(req, ErasureMarkRequestSchema);
  authorize(project);
  return json(await markErasure(server, project, reference, reason, actor));
});
