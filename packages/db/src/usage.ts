import { and, asc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { addTotals, DEFAULT_PRICE_QUEUE, stageUsageOf, sumUsage, type CpuMeasure, type ProjectUsage, type StageName, type UsagePrice } from '@refinery/core';
import type { Db } from './client';
import { audit } from './audit';
import { runs, stageExecutions, usagePrices } from './schema';

/** What a worker measured for one stage attempt. */
export interface MeasuredUsage {
  queue: string;
  wallSeconds: number;
  cpuSeconds: number | null;
  cpuMeasure: CpuMeasure;
  gpus: number;
  gpuSeconds: number;
}

/** The price of `queue` now: its own row, else the `*` default (a subquery, read in the writer's statement). */
const priceOf = (column: 'gpu_hour_price' | 'cpu_hour_price', queue: string): SQL =>
  sql`coalesce((select ${sql.raw(column)} from usage_prices where queue = ${queue}), (select ${sql.raw(column)} from usage_prices where queue = ${DEFAULT_PRICE_QUEUE}))`;

/**
 * Records an attempt's usage with the prices in effect now, in one statement, so a price changed
 * later never rewrites what an earlier attempt cost. Idempotent: a repeat overwrites the same row.
 */
export async function recordStageUsage(db: Db, runId: string, stage: StageName, attempt: number, u: MeasuredUsage): Promise<boolean> {
  const updated = await db
    .update(stageExecutions)
    .set({
      usageQueue: u.queue,
      wallSeconds: u.wallSeconds,
      cpuSeconds: u.cpuSeconds,
      cpuMeasure: u.cpuMeasure,
      gpus: u.gpus,
      gpuSeconds: u.gpuSeconds,
      gpuHourPrice: priceOf('gpu_hour_price', u.queue),
      cpuHourPrice: priceOf('cpu_hour_price', u.queue),
    })
    .where(and(eq(stageExecutions.runId, runId), eq(stageExecutions.stage, stage), eq(stageExecutions.attempt, attempt)))
    .returning({ id: stageExecutions.id });
  return updated.length > 0;
}

/**
 * A project's usage per run and in total, over the stage attempts that started in [from, to).
 * Runs with no attempt in the window are left out.
 */
export async function projectUsage(db: Db, project: string, window: { from: Date | null; to: Date | null }): Promise<ProjectUsage> {
  const rows = await db
    .select({ run: runs, attempt: stageExecutions })
    .from(stageExecutions)
    .innerJoin(runs, eq(runs.id, stageExecutions.runId))
    .where(
      and(
        eq(runs.projectId, project),
        window.from ? gte(stageExecutions.startedAt, window.from) : undefined,
        window.to ? lt(stageExecutions.startedAt, window.to) : undefined,
      ),
    )
    .orderBy(asc(runs.createdAt), asc(runs.id), asc(stageExecutions.id));
  const byRun = new Map<string, { run: typeof runs.$inferSelect; attempts: (typeof stageExecutions.$inferSelect)[] }>();
  for (const r of rows) {
    const entry = byRun.get(r.run.id) ?? { run: r.run, attempts: [] };
    entry.attempts.push(r.attempt);
    byRun.set(r.run.id, entry);
  }
  const perRun = [...byRun.values()].map(({ run, attempts }) => ({
    runId: run.id,
    name: run.name,
    status: run.status,
    createdAt: run.createdAt.toISOString(),
    ...sumUsage(attempts.map((a) => ({ status: a.status, usage: stageUsageOf(a) }))),
  }));
  return { project, from: window.from?.toISOString() ?? null, to: window.to?.toISOString() ?? null, runs: perRun, totals: addTotals(perRun) };
}

const toPrice = (r: typeof usagePrices.$inferSelect): UsagePrice => ({
  queue: r.queue,
  gpuHourPrice: r.gpuHourPrice,
  cpuHourPrice: r.cpuHourPrice,
  updatedBy: r.updatedBy,
  updatedAt: r.updatedAt.toISOString(),
});

export async function listUsagePrices(db: Db): Promise<UsagePrice[]> {
  return (await db.select().from(usagePrices).orderBy(asc(usagePrices.queue))).map(toPrice);
}

/** Sets a queue's prices (audited with the old and new values); attempts recorded from now on use them. */
export async function setUsagePrice(db: Db, actor: string, queue: string, prices: { gpuHourPrice: number; cpuHourPrice: number }): Promise<UsagePrice> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(usagePrices).where(eq(usagePrices.queue, queue)).for('update');
    const [row] = await tx
      .insert(usagePrices)
      .values({ queue, ...prices, updatedBy: actor })
      .onConflictDoUpdate({ target: usagePrices.queue, set: { ...prices, updatedBy: actor, updatedAt: new Date() } })
      .returning();
    await audit(tx as unknown as Db, {
      actor,
      action: 'usage.price_set',
      subjectType: 'usage_price',
      subjectId: queue,
      projectId: null,
      before: before ? { gpuHourPrice: before.gpuHourPrice, cpuHourPrice: before.cpuHourPrice } : null,
      after: prices,
    });
    return toPrice(row!);
  });
}
