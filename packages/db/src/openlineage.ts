import { and, asc, eq, gt, inArray, lte, ne, notInArray, sql } from 'drizzle-orm';
import type { Db } from './client';
import { artifacts, lineageEdges, openlineageDeadLetters, openlineageEvents, runs } from './schema';
import { REUSED_FROM_RELATION } from './step-cache';

/**
 * OpenLineage events as emitted (one row per dedupe key) and the delivery outbox: with an
 * endpoint configured, an event's dead-letter row is written in the same transaction as the
 * event, so a worker dying before or during delivery leaves it for the periodic redelivery.
 * A delivered event loses its dead-letter row and gets `delivered_at`.
 */

export type ArtifactRecord = typeof artifacts.$inferSelect;

/** What an event of this run's stage is built from: the run, the stage's artifacts and the artifacts it read. */
export async function openLineageStageFacts(db: Db, runId: string, stage: string) {
  const [run] = await db.select({ id: runs.id, projectId: runs.projectId, name: runs.name, spec: runs.spec }).from(runs).where(eq(runs.id, runId));
  if (!run) return undefined;
  const outputs = await db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.runId, runId), eq(artifacts.producedByStage, stage)))
    .orderBy(asc(artifacts.createdAt), asc(artifacts.id));
  // A reused result's `reused_from` edge says where the output came from, not what the stage read.
  const read = db
    .select({ id: lineageEdges.fromArtifactId })
    .from(lineageEdges)
    .where(and(eq(lineageEdges.runId, runId), eq(lineageEdges.stage, stage), ne(lineageEdges.relation, REUSED_FROM_RELATION)));
  const outputIds = outputs.map((a) => a.id);
  const inputs = await db
    .select()
    .from(artifacts)
    .where(and(inArray(artifacts.id, read), ...(outputIds.length ? [notInArray(artifacts.id, outputIds)] : [])))
    .orderBy(asc(artifacts.createdAt), asc(artifacts.id));
  return { run, outputs, inputs };
}

/** The run's name and project, for the pipeline job's events. */
export async function openLineageRunFacts(db: Db, runId: string) {
  const [run] = await db.select({ id: runs.id, projectId: runs.projectId, name: runs.name }).from(runs).where(eq(runs.id, runId));
  return run;
}

/**
 * Stores an event once per dedupe key. `outbox`: also queue it for delivery (a dead-letter row
 * due after `firstRetryAfterMs`, so the periodic redelivery leaves the immediate attempt alone).
 * Returns the event's id and whether this call stored it.
 */
export async function storeOpenLineageEvent(
  db: Db,
  e: { runId: string; stage: string; eventType: string; dedupeKey: string; event: object; outbox: boolean; firstRetryAfterMs?: number },
): Promise<{ id: number; created: boolean }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(openlineageEvents)
      .values({ runId: e.runId, stage: e.stage, eventType: e.eventType, dedupeKey: e.dedupeKey, event: e.event })
      .onConflictDoNothing()
      .returning({ id: openlineageEvents.id });
    if (!row) {
      const [existing] = await tx.select({ id: openlineageEvents.id }).from(openlineageEvents).where(eq(openlineageEvents.dedupeKey, e.dedupeKey));
      return { id: existing!.id, created: false };
    }
    if (e.outbox) {
      await tx.insert(openlineageDeadLetters).values({
        eventId: row.id,
        attempts: 0,
        lastError: 'not attempted yet',
        nextAttemptAt: new Date(Date.now() + (e.firstRetryAfterMs ?? 60_000)),
      });
    }
    return { id: row.id, created: true };
  });
}

/** Undelivered events' ids, oldest first: all of them, or only those due for another attempt. */
export async function pendingOpenLineageDeliveries(db: Db, o: { dueOnly: boolean; limit: number }): Promise<number[]> {
  const rows = await db
    .select({ id: openlineageDeadLetters.eventId })
    .from(openlineageDeadLetters)
    .where(o.dueOnly ? lte(openlineageDeadLetters.nextAttemptAt, sql`now()`) : undefined)
    .orderBy(asc(openlineageDeadLetters.eventId))
    .limit(o.limit);
  return rows.map((r) => r.id);
}

export async function countPendingOpenLineageDeliveries(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(openlineageDeadLetters);
  return row?.n ?? 0;
}

export type DeliveryOutcome = { ok: true } | { ok: false; error: string; attempts: number };

/**
 * One delivery attempt of a queued event, holding its dead-letter row's lock (a concurrent
 * redelivery skips it rather than sending it twice). `deliver` gets the event and the number of
 * earlier attempts and says how it went; success removes the row and stamps `delivered_at`, a
 * failure records the attempts, the error and when to try next (`retryAfterMs(attempts)`).
 * Answers 'skipped' when the row is gone or locked.
 */
export async function attemptOpenLineageDelivery(
  db: Db,
  eventId: number,
  deliver: (event: object, earlierAttempts: number) => Promise<DeliveryOutcome>,
  retryAfterMs: (attempts: number) => number,
): Promise<'delivered' | 'failed' | 'skipped'> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ attempts: openlineageDeadLetters.attempts, event: openlineageEvents.event })
      .from(openlineageDeadLetters)
      .innerJoin(openlineageEvents, eq(openlineageEvents.id, openlineageDeadLetters.eventId))
      .where(eq(openlineageDeadLetters.eventId, eventId))
      .for('update', { of: openlineageDeadLetters, skipLocked: true });
    if (!row) return 'skipped';
    const outcome = await deliver(row.event as object, row.attempts);
    if (outcome.ok) {
      await tx.delete(openlineageDeadLetters).where(eq(openlineageDeadLetters.eventId, eventId));
      await tx.update(openlineageEvents).set({ deliveredAt: new Date() }).where(eq(openlineageEvents.id, eventId));
      return 'delivered';
    }
    await tx
      .update(openlineageDeadLetters)
      .set({ attempts: outcome.attempts, lastError: outcome.error.slice(0, 1000), nextAttemptAt: new Date(Date.now() + retryAfterMs(outcome.attempts)) })
      .where(eq(openlineageDeadLetters.eventId, eventId));
    return 'failed';
  });
}

/** A page of a project's events (optionally one run's), in emission order, after event id `after`. */
export async function listOpenLineageEvents(db: Db, o: { projectId: string; runId?: string; after: number; limit: number }) {
  return db
    .select({ id: openlineageEvents.id, event: openlineageEvents.event })
    .from(openlineageEvents)
    .innerJoin(runs, eq(runs.id, openlineageEvents.runId))
    .where(and(eq(runs.projectId, o.projectId), o.runId ? eq(openlineageEvents.runId, o.runId) : undefined, gt(openlineageEvents.id, o.after)))
    .orderBy(asc(openlineageEvents.id))
    .limit(o.limit);
}
