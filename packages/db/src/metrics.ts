import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from './client';
import { trainingMetrics } from './schema';

export type MetricPointInput = Omit<typeof trainingMetrics.$inferInsert, 'at'>;

/** Upserts a batch of points (a resumed attempt may re-report steps after its checkpoint). */
export async function insertMetricPoints(db: Db, points: MetricPointInput[]): Promise<void> {
  if (points.length === 0) return;
  await db
    .insert(trainingMetrics)
    .values(points)
    .onConflictDoUpdate({
      target: [trainingMetrics.runId, trainingMetrics.kind, trainingMetrics.step],
      set: {
        epoch: sql`excluded.epoch`,
        loss: sql`excluded.loss`,
        learningRate: sql`excluded.learning_rate`,
        tokensPerSecond: sql`excluded.tokens_per_second`,
        etaSeconds: sql`excluded.eta_seconds`,
        totalSteps: sql`excluded.total_steps`,
        paddingFraction: sql`excluded.padding_fraction`,
        peakMemoryBytes: sql`excluded.peak_memory_bytes`,
        rewardAccuracy: sql`excluded.reward_accuracy`,
        rewardMargin: sql`excluded.reward_margin`,
        at: sql`now()`,
      },
    });
}

export async function listMetricPoints(db: Db, runId: string, afterStep = -1) {
  const rows = await db
    .select()
    .from(trainingMetrics)
    .where(and(eq(trainingMetrics.runId, runId), gt(trainingMetrics.step, afterStep)))
    .orderBy(asc(trainingMetrics.step), asc(trainingMetrics.kind));
  return rows.map((r) => ({
    kind: r.kind as 'train' | 'eval',
    step: r.step,
    epoch: r.epoch,
    loss: r.loss,
    learningRate: r.learningRate,
    tokensPerSecond: r.tokensPerSecond,
    etaSeconds: r.etaSeconds,
    totalSteps: r.totalSteps,
    paddingFraction: r.paddingFraction,
    peakMemoryBytes: r.peakMemoryBytes,
    rewardAccuracy: r.rewardAccuracy,
    rewardMargin: r.rewardMargin,
    at: r.at.toISOString(),
  }));
}
