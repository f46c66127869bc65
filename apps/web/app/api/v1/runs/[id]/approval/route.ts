import { decideRun } from '@/lib/server/approval-service';
import { DecisionRequestSchema } from '@refinery/core';
import { json, readJson } from '@/lib/server/http';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

/** Approve or reject a run awaiting approval: `{decision, comment, evidenceSha256}`. */
export const POST = route('POST /api/v1/runs/{id}/approval', async ({ req, server, params, principal }) => json(await decideRun(server, params.id, principal, await readJson(req, DecisionRequestSchema))));
