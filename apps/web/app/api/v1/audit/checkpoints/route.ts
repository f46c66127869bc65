import { json } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { checkpointExport, takeCheckpointNow } from '@/lib/server/audit-service';

export const dynamic = 'force-dynamic';

/** Every signed checkpoint of the audit chain, with the public key(s) that verify them: keep a copy elsewhere. */
export const GET = route('GET /api/v1/audit/checkpoints', async ({ server }) => json(await checkpointExport(server)));

/** Signs the chain's head now (the daily schedule does the same). */
export const POST = route('POST /api/v1/audit/checkpoints', async ({ server }) => json(await takeCheckpointNow(server), 201));
