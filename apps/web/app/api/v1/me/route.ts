import { json } from '@/lib/server/http';
import { describeCaller } from '@/lib/server/identity-service';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

/** Who is calling, and what they may do in each of their projects (the dashboard hides the rest). */
export const GET = route('GET /api/v1/me', async ({ server, principal, actor }) => json(await describeCaller(server, principal, actor)));
