import { and, eq } from 'drizzle-orm';
import type { StageName } from '@refinery/core';
import type { Db } from './client';
import { artifacts, lineageEdges, runs } from './schema';
import { audit } from './audit';
import { newId } from './ids';

export interface ArtifactInput {
  runId: string;
  kind: string;
  sha256: string;
  uri: string;
  bytes: number;
  mediaType: string;
  producedByStage: StageName;
  metadata?: Record<string, unknown>;
}

/** Records an artifact once per (run, kind, sha256) and returns its id either way. */
export async function recordArtifact(db: Db, a: ArtifactInput): Promise<string> {
  const [row] = await db
    .insert(artifacts)
    .values({ id: newId('art'), ...a, metadata: a.metadata ?? null })
    .onConflictDoNothing()
    .returning({ id: artifacts.id });
  if (row) {
    await audit(db, { actor: `workflow:${a.runId}`, action: 'artifact.recorded', subjectType: 'artifact', subjectId: row.id, data: { kind: a.kind, sha256: a.sha256 } });
    return row.id;
  }
  const [existing] = await db
    .select({ id: artifacts.id })
    .from(artifacts)
    .where(and(eq(artifacts.runId, a.runId), eq(artifacts.kind, a.kind), eq(artifacts.sha256, a.sha256)));
  return existing!.id;
}

export async function recordLineage(
  db: Db,
  edge: { fromArtifactId: string; toArtifactId: string; relation: string; runId: string; stage: StageName },
): Promise<void> {
  await db.insert(lineageEdges).values(edge).onConflictDoNothing();
}

/** The shape `newId('art')` makes: `art_` + 9 base-36 time characters + 12 hex characters. */
export const ARTIFACT_ID_PATTERN = /^art_[0-9a-z]{9}[0-9a-f]{12}$/;

export type ArtifactRow = typeof artifacts.$inferSelect & { projectId: string };

/**
 * An artifact with the project of the run that produced it; undefined for an id that is not an
 * artifact id, an unknown one, or one whose run is gone (it belongs to no project any more).
 */
export async function getArtifactRow(db: Db, id: string): Promise<ArtifactRow | undefined> {
  if (!ARTIFACT_ID_PATTERN.test(id)) return undefined;
  const [row] = await db.select({ artifact: artifacts, projectId: runs.projectId }).from(artifacts).innerJoin(runs, eq(runs.id, artifacts.runId)).where(eq(artifacts.id, id));
  return row ? { ...row.artifact, projectId: row.projectId } : undefined;
}
