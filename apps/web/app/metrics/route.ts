import { metricsResponse } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** Prometheus scrape endpoint (token-guarded; see lib/server/metrics.ts). */
export const GET = (req: Request) => metricsResponse(req);
