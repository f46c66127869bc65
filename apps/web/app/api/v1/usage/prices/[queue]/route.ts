import { SetUsagePriceSchema } from '@refinery/core';
import { json, readJson } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { setPrice } from '@/lib/server/usage-service';

export const dynamic = 'force-dynamic';

/** Instance admins: set a queue's prices (or the `*` default) for attempts recorded from now on. */
export const PUT = route('PUT /api/v1/usage/prices/{queue}', async ({ req, server, params, actor }) => json(await setPrice(server, actor, params.queue, await readJson(req, SetUsagePriceSchema))));
