import { route } from '@/lib/server/route';
import { codecCall, temporalUiPreflight, withTemporalUiCors } from '@/lib/server/temporal-codec';

export const dynamic = 'force-dynamic';

/** Temporal's codec server /encode: what the Web UI sends (a signal, a started workflow) is encrypted as the workers expect. */
export const POST = withTemporalUiCors(route('POST /api/v1/temporal/codec/encode', async ({ req, server, actor }) => codecCall(server, actor, 'encode', req)));
export const OPTIONS = temporalUiPreflight;
