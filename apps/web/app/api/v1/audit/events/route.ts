import { HttpError, json } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { exportChainResponse, listEventsQuery, requireInstanceAdmin } from '@/lib/server/audit-service';

export const dynamic = 'force-dynamic';

/**
 * Audit events, newest first: ?actor=&action=&project=&from=&to=&limit=&cursor= (the caller's
 * readable projects only; an instance admin reads all). ?format=jsonl streams the whole chain in
 * seq order for `refinery audit verify` (instance admins only).
 */
export const GET = route('GET /api/v1/audit/events', async ({ req, server, principal }) => {
  const q = new URL(req.url).searchParams;
  const format = q.get('format') ?? 'json';
  if (format === 'jsonl') {
    requireInstanceAdmin(principal, 'export the whole audit chain');
    return await exportChainResponse(server);
  }
  if (format !== 'json') throw new HttpError(400, 'invalid_query', `format must be json or jsonl; got "${format}"`);
  return json(await listEventsQuery(server, q, principal));
});
