import { json } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { verifyOnServer } from '@/lib/server/audit-service';

export const dynamic = 'force-dynamic';

/** The server recomputes the chain and checks its checkpoints (the dashboard's banner); `refinery audit verify` does it independently. */
export const GET = route('GET /api/v1/audit/verify', async ({ server }) => json(await verifyOnServer(server)));
