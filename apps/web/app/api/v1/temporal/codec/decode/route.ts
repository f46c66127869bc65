import { route } from '@/lib/server/route';
import { codecCall, temporalUiPreflight, withTemporalUiCors } from '@/lib/server/temporal-codec';

export const dynamic = 'force-dynamic';

/** Temporal's codec server /decode: the Web UI shows decrypted payloads to instance admins (audited). */
export const POST = withTemporalUiCors(route('POST /api/v1/temporal/codec/decode', async ({ req, server, actor }) => codecCall(server, actor, 'decode', req)));
export const OPTIONS = temporalUiPreflight;
