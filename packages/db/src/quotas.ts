import { asc, eq, inArray } from 'drizzle-orm';
import { UNLIMITED, type ProjectQuota, type ProjectQuotaLimits, type RunQueue } from '@refinery/core';
import type { Db } from './client';
import { audit } from './audit';
import { projectQuotas, runQueue } from './schema';

/** A project's limits; no row means no limits. */
export async function getProjectQuotaLimits(db: Db, projectId: string): Promise<ProjectQuotaLimits & { updatedBy: string | null; updatedAt: Date | null }> {
  const [row] = await db.select().from(projectQuotas).where(eq(projectQuotas.projectId, projectId));
  return row ? { maxConcurrentRuns: row.maxConcurrentRuns, gpuSlots: row.gpuSlots, updatedBy: row.updatedBy, updatedAt: row.updatedAt } : { ...UNLIMITED, updatedBy: null, updatedAt: null };
}

/** Instance admins: replaces the project's limits (audited as quota.set with before and after). */
export async function setProjectQuotaLimits(db: Db, actor: string, projectId: string, limits: ProjectQuotaLimits): Promise<void> {
  await db.transaction(async (tx) => {
    const [before] = await tx.select().from(projectQuotas).where(eq(projectQuotas.projectId, projectId)).for('update');
    await tx
      .insert(projectQuotas)
      .values({ projectId, ...limits, updatedBy: actor })
      .onConflictDoUpdate({ target: projectQuotas.projectId, set: { ...limits, updatedBy: actor, updatedAt: new Date() } });
    await audit(tx as unknown as Db, {
      actor,
      action: 'quota.set',
      subjectType: 'project_quota',
      subjectId: projectId,
      projectId,
      before: before ? { maxConcurrentRuns: before.maxConcurrentRuns, gpuSlots: before.gpuSlots } : null,
      after: limits,
    });
  });
}

export interface QueueEntry {
  runId: string;
  resource: string;
  position: number;
  priority: number;
  reason: string;
  queuedAt: Date;
}

/** The semaphore's projection: the project's waiting runs, replaced as a whole. */
export async function replaceProjectQueue(db: Db, projectId: string, entries: QueueEntry[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(runQueue).where(eq(runQueue.projectId, projectId));
    if (entries.length) await tx.insert(runQueue).values(entries.map((e) => ({ ...e, projectId }))).onConflictDoNothing();
  });
}

export async function projectQueue(db: Db, projectId: string): Promise<ProjectQuota['queue']> {
  const rows = await db.select().from(runQueue).where(eq(runQueue.projectId, projectId)).orderBy(asc(runQueue.resource), asc(runQueue.position));
  return rows.map((r) => ({ runId: r.runId, resource: r.resource, position: r.position, priority: r.priority, reason: r.reason, queuedAt: r.queuedAt.toISOString() }));
}

/** Where each of these runs waits (runs not waiting are absent). */
export async function runQueueEntries(db: Db, runIds: readonly string[]): Promise<Map<string, RunQueue>> {
  if (!runIds.length) return new Map();
  const rows = await db.select().from(runQueue).where(inArray(runQueue.runId, [...runIds]));
  return new Map(rows.map((r) => [r.runId, { resource: r.resource, position: r.position, reason: r.reason, since: r.queuedAt.toISOString() }]));
}
