import { sql } from 'drizzle-orm';
import { HEALTH_PROBES, TASK_QUEUES, type Health } from '@refinery/core';
import { HttpError, json } from '@/lib/server/http';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

const fail = (err: unknown) => ({ ok: false, detail: (err as Error).message });

/**
 * Postgres, Temporal and whether any worker polls each task queue. 503 when degraded.
 * `?probe=live`: 200 without touching anything (Kubernetes liveness: a dependency's outage must not
 * restart the web pods). `?probe=ready`: the full report, but only Postgres and Temporal decide the
 * status (readiness: a missing worker must not take the dashboard out of the load balancer).
 */
export const GET = route('GET /api/v1/health', async ({ server: ctx, req }) => {
  const probeParam = new URL(req.url).searchParams.get('probe');
  const probe = HEALTH_PROBES.find((p) => p === probeParam);
  if (probeParam !== null && !probe) throw new HttpError(400, 'invalid_query', `probe must be one of ${HEALTH_PROBES.join(', ')} (got "${probeParam}")`);
  if (probe === 'live') return json({ status: 'ok', probe: 'live' }, 200);
  const postgres = await ctx.database.db.execute(sql`select 1`).then(() => ({ ok: true, detail: 'connected' }), fail);
  let temporal: Health['checks']['temporal'];
  let workers: Health['checks']['workers'] = { ok: false, detail: 'Temporal unreachable', queues: {} };
  try {
    const client = await ctx.temporal();
    const info = await client.workflowService.getSystemInfo({});
    temporal = { ok: true, detail: `server ${info.serverVersion ?? 'unknown'} at ${ctx.config.TEMPORAL_ADDRESS}` };
    // Workflow pollers on the pipeline queue; activity pollers on each GPU pool's queue (REFINERY_GPU_POOLS).
    const queues: Record<string, number> = {};
    const gpuQueues = ctx.config.REFINERY_GPU_POOLS.split(',').map((pool) => [TASK_QUEUES.gpu(pool), 2] as const);
    for (const [queue, taskQueueType] of [[TASK_QUEUES.pipeline, 1] as const, ...gpuQueues]) {
      const described = await client.workflowService.describeTaskQueue({ namespace: ctx.config.TEMPORAL_NAMESPACE, taskQueue: { name: queue }, taskQueueType });
      queues[queue] = described.pollers?.length ?? 0;
    }
    const missing = Object.entries(queues).filter(([, n]) => n === 0).map(([q]) => q);
    workers = { ok: missing.length === 0, detail: missing.length ? `no worker polls ${missing.join(', ')}; start its worker process (README, Configuration)` : 'all task queues polled', queues };
  } catch (err) {
    temporal = fail(err);
  }
  const serving = postgres.ok && temporal.ok;
  const body: Health = { status: serving && (probe === 'ready' || workers.ok) ? 'ok' : 'degraded', checks: { postgres, temporal, workers } };
  return json(body, body.status === 'ok' ? 200 : 503);
});
