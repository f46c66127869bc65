import { listUsagePrices, projectUsage, setUsagePrice } from '@refinery/db';
import { PRICE_QUEUE_PATTERN, type ProjectUsage, type UsagePrice } from '@refinery/core';
import type { ServerContext } from './context';
import { HttpError } from './http';

/** Reads ?from= and ?to= (ISO 8601 instants or dates); the route's rule has authorized the project. */
export async function projectUsageQuery(ctx: ServerContext, project: string, params: URLSearchParams): Promise<ProjectUsage> {
  const from = instant(params, 'from');
  const to = instant(params, 'to');
  if (from && to && from >= to) throw new HttpError(400, 'invalid_query', `from (${from.toISOString()}) must be before to (${to.toISOString()})`);
  return projectUsage(ctx.database.db, project, { from, to });
}

function instant(params: URLSearchParams, name: string): Date | null {
  const text = params.get(name);
  if (text === null || text === '') return null;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new HttpError(400, 'invalid_query', `${name} must be an ISO 8601 date or instant (e.g. 2026-11-01 or 2026-11-01T00:00:00Z), got "${text.slice(0, 60)}"`);
  return at;
}

export const listPrices = async (ctx: ServerContext) => ({ prices: await listUsagePrices(ctx.database.db) });

/** Instance admins: a queue's price from now on (audited); earlier attempts keep the price they were recorded with. */
export async function setPrice(ctx: ServerContext, actor: string, queue: string, prices: { gpuHourPrice: number; cpuHourPrice: number }): Promise<UsagePrice> {
  if (!PRICE_QUEUE_PATTERN.test(queue)) {
    throw new HttpError(400, 'invalid_queue', `"${queue.slice(0, 80)}" is not a priced queue: use * (the default), refinery-pipeline, or refinery-gpu-<pool>`);
  }
  return setUsagePrice(ctx.database.db, actor, queue, prices);
}
