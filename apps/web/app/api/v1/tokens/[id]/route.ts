import { json } from '@/lib/server/http';
import { revokeToken } from '@/lib/server/identity-service';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

/** Revokes a token: one's own, or any in a project where one manages tokens. */
export const DELETE = route('DELETE /api/v1/tokens/{id}', async ({ server, principal, actor, params }) => json(await revokeToken(server, principal, actor, params.id)));
