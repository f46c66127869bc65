import { and, asc, desc, eq, inArray, lt, notInArray, or, sql } from 'drizzle-orm';
import { isTerminalRunStatus, stageUsageOf, sumUsage, TERMINAL_RUN_STATUSES, type RunDetail, type RunSpec, type RunStatus, type RunSummary, type StageName, type StageStatus } from '@refinery/core';
import type { Db } from './client';
import { artifacts, projects, runs, stageExecutions } from './schema';
import { audit } from './audit';
import { newId } from './ids';
import { runQueueEntries } from './quotas';

type RunRow = typeof runs.$inferSelect;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toRunSummary(r: RunRow): RunSummary {
  return {
    id: r.id,
    project: r.projectId,
    name: r.name,
    submittedBy: r.submittedBy,
    status: r.status as RunStatus,
    currentStage: r.currentStage as StageName | null,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    queue: null, // withQueue fills it for waiting runs
  };
}

/** Adds the place in line of the runs that wait for a quota slot (only `queued` runs can). */
export async function withQueue<R extends RunSummary>(db: Db, list: R[]): Promise<R[]> {
  const waiting = list.filter((r) => r.status === 'queued').map((r) => r.id);
  if (!waiting.length) return list;
  const entries = await runQueueEntries(db, waiting);
  return list.map((r) => (entries.has(r.id) ? { ...r, queue: entries.get(r.id)! } : r));
}

/** The project's redaction key (created with the project), for keyed pseudonyms and hashes. */
export async function getProjectRedactionKey(db: Db, projectId: string): Promise<string> {
  const [row] = await db.select({ key: projects.redactionKey }).from(projects).where(eq(projects.id, projectId));
  if (!row) throw new Error(`project ${projectId} does not exist`);
  return row.key;
}

export type CreateRunResult = { run: RunSummary; created: boolean; specSha256: string };

/**
 * Inserts a queued run in an existing project (the caller has checked the submitter may). With an idempotency key, a second call returns the first run
 * (`created: false`); the caller decides what a different spec under the same key means.
 */
export async function createRun(
  db: Db,
  input: { spec: RunSpec; specSha256: string; idempotencyKey?: string; actor: string; traceId?: string },
): Promise<CreateRunResult> {
  const id = newId('run');
  const inserted = await db
    .insert(runs)
    .values({
      id,
      projectId: input.spec.project,
      name: input.spec.name,
      status: 'queued',
      spec: input.spec,
      specSha256: input.specSha256,
      idempotencyKey: input.idempotencyKey ?? null,
      submittedBy: input.actor,
      traceId: input.traceId ?? null,
    })
    .onConflictDoNothing({ target: runs.idempotencyKey })
    .returning();
  if (inserted[0]) {
    await audit(db, { actor: input.actor, action: 'run.created', subjectType: 'run', subjectId: id, projectId: input.spec.project, data: { specSha256: input.specSha256 } });
    return { run: toRunSummary(inserted[0]), created: true, specSha256: input.specSha256 };
  }
  const [existing] = await db.select().from(runs).where(eq(runs.idempotencyKey, input.idempotencyKey!));
  return { run: toRunSummary(existing!), created: false, specSha256: existing!.specSha256 };
}

export async function getRunRow(db: Db, id: string): Promise<RunRow | undefined> {
  const [row] = await db.select().from(runs).where(eq(runs.id, id));
  return row;
}

export async function getRunDetail(db: Db, id: string): Promise<RunDetail | null> {
  const row = await getRunRow(db, id);
  if (!row) return null;
  const stages = await db.select().from(stageExecutions).where(eq(stageExecutions.runId, id)).orderBy(asc(stageExecutions.id));
  const arts = await db.select().from(artifacts).where(eq(artifacts.runId, id)).orderBy(asc(artifacts.createdAt));
  const usages = stages.map((s) => stageUsageOf(s));
  const [summary] = await withQueue(db, [toRunSummary(row)]);
  return {
    ...summary!,
    traceId: row.traceId,
    traceUrl: null, // the web app fills it from REFINERY_TRACE_URL_TEMPLATE
    spec: row.spec as Record<string, unknown>,
    stages: stages.map((s, i) => ({
      stage: s.stage as StageName,
      attempt: s.attempt,
      status: s.status as StageStatus,
      startedAt: s.startedAt.toISOString(),
      finishedAt: iso(s.finishedAt),
      durationMs: s.finishedAt ? s.finishedAt.getTime() - s.startedAt.getTime() : null,
      error: s.error,
      metrics: (s.metrics as Record<string, unknown> | null) ?? null,
      usage: usages[i] ?? null,
      reusedFromRunId: s.reusedFromRunId,
    })),
    artifacts: arts.map((a) => ({
      id: a.id,
      kind: a.kind,
      uri: a.uri,
      sha256: a.sha256,
      bytes: a.bytes,
      mediaType: a.mediaType,
      producedByStage: a.producedByStage as StageName,
      createdAt: a.createdAt.toISOString(),
    })),
    usage: sumUsage(stages.map((s, i) => ({ status: s.status, usage: usages[i] ?? null }))),
  };
}

/** Cursor = base64url("<createdAt ISO>|<id>") of the last row of the previous page. */
export function encodeCursor(r: RunSummary): string {
  return Buffer.from(`${r.createdAt}|${r.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  return id && !Number.isNaN(createdAt.getTime()) ? { createdAt, id } : null;
}

export async function listRuns(
  db: Db,
  q: { project?: string; status?: RunStatus; limit: number; cursor?: { createdAt: Date; id: string }; visibleProjects: readonly string[] | 'all' },
): Promise<{ runs: RunSummary[]; nextCursor: string | null }> {
  if (q.visibleProjects !== 'all' && q.visibleProjects.length === 0) return { runs: [], nextCursor: null };
  const conditions = [
    q.visibleProjects === 'all' ? undefined : inArray(runs.projectId, [...q.visibleProjects]),
    q.project ? eq(runs.projectId, q.project) : undefined,
    q.status ? eq(runs.status, q.status) : undefined,
    q.cursor
      ? or(lt(runs.createdAt, q.cursor.createdAt), and(eq(runs.createdAt, q.cursor.createdAt), lt(runs.id, q.cursor.id)))
      : undefined,
  ].filter((c) => c !== undefined);
  const rows = await db
    .select()
    .from(runs)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit).map(toRunSummary);
  return { runs: await withQueue(db, page), nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!) : null };
}

/** Projection updates, written by workflow activities. Terminal states are never overwritten. */
export async function setRunStatus(
  db: Db,
  id: string,
  patch: { status: RunStatus; error?: string | null; currentStage?: StageName | null },
): Promise<void> {
  const terminal = isTerminalRunStatus(patch.status);
  await db
    .update(runs)
    .set({
      status: patch.status,
      ...(patch.error !== undefined ? { error: patch.error } : {}),
      ...(patch.currentStage !== undefined ? { currentStage: patch.currentStage } : {}),
      ...(patch.status === 'running' ? { startedAt: sql`coalesce(${runs.startedAt}, now())` } : {}),
      ...(terminal ? { finishedAt: sql`now()` } : {}),
    })
    .where(and(eq(runs.id, id), notInArray(runs.status, [...TERMINAL_RUN_STATUSES])));
  await audit(db, { actor: `workflow:${id}`, action: `run.${patch.status}`, subjectType: 'run', subjectId: id, data: patch.error ? { error: patch.error } : undefined });
}

/** How many runs are in each status, across projects (the web app's `refinery_runs` gauge). */
export async function countRunsByStatus(db: Db): Promise<Map<string, number>> {
  const rows = await db.select({ status: runs.status, n: sql<number>`count(*)::int` }).from(runs).groupBy(runs.status);
  return new Map(rows.map((r) => [r.status, r.n]));
}
