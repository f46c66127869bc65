import { json } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { listPrices } from '@/lib/server/usage-service';

export const dynamic = 'force-dynamic';

/** The price per GPU-hour and CPU-hour of each task queue, and the `*` default. */
export const GET = route('GET /api/v1/usage/prices', async ({ server }) => json(await listPrices(server)));
