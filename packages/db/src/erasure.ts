import { createHmac } from 'node:crypto';
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { ErasureImpact, ErasureMark, ErasureReference } from '@refinery/core';
import type { Db } from './client';
import { audit } from './audit';
import { downstreamArtifacts } from './lineage';
import { getProjectRedactionKey } from './runs';
import { artifacts, erasureMarks, modelAliases, models, modelVersions, runs } from './schema';

/**
 * Erasure impact: which of a project's artifacts a reference names, everything downstream of them
 * over lineage_edges (the lineage graph's walk, ./lineage.ts), the runs that produced any of it,
 * and the registry versions of those runs.
 * Marks record that a version is affected; they never change or delete the version.
 */

export type MatchedArtifact = ErasureImpact['datasets'][number];

const SOURCE = sql<string | null>`${artifacts.metadata}->>'source'`;

function matched(row: { id: string; runId: string | null; kind: string; sha256: string; source: string | null }): MatchedArtifact {
  return { artifactId: row.id, runId: row.runId!, kind: row.kind, sha256: row.sha256, source: row.source };
}

const projectArtifacts = (db: Db) =>
  db
    .select({ id: artifacts.id, runId: artifacts.runId, kind: artifacts.kind, sha256: artifacts.sha256, source: SOURCE })
    .from(artifacts)
    .innerJoin(runs, eq(runs.id, artifacts.runId));

/**
 * The project's artifacts an artifact id, a sha256 or a source URI names. A URI matches raw
 * datasets ingested from it (their `metadata.source`), and an `object://sha256/<hex>` URI also
 * every artifact with that content.
 */
export async function artifactsForReference(db: Db, projectId: string, ref: Exclude<ErasureReference, { type: 'record_hash' }>): Promise<MatchedArtifact[]> {
  const inProject = eq(runs.projectId, projectId);
  let where;
  if (ref.type === 'artifact') where = eq(artifacts.id, ref.value);
  else if (ref.type === 'sha256') where = eq(artifacts.sha256, ref.value);
  else {
    const objectSha = /^object:\/\/sha256\/([0-9a-f]{64})$/.exec(ref.value)?.[1];
    where = or(and(eq(artifacts.kind, 'raw_dataset'), sql`${SOURCE} = ${ref.value}`), objectSha ? eq(artifacts.sha256, objectSha) : undefined);
  }
  const rows = await projectArtifacts(db).where(and(inProject, where)).orderBy(asc(artifacts.createdAt));
  return rows.map(matched);
}

/** Every raw dataset of the project, one row per distinct content (what a record search reads). */
export async function projectRawDatasets(db: Db, projectId: string): Promise<{ sha256: string; artifacts: MatchedArtifact[] }[]> {
  const rows = await projectArtifacts(db)
    .where(and(eq(runs.projectId, projectId), eq(artifacts.kind, 'raw_dataset')))
    .orderBy(asc(artifacts.createdAt));
  const bySha = new Map<string, MatchedArtifact[]>();
  for (const row of rows) bySha.set(row.sha256, [...(bySha.get(row.sha256) ?? []), matched(row)]);
  return [...bySha].map(([sha256, list]) => ({ sha256, artifacts: list }));
}

/** Runs of the project submitted with this dataset URI (also those that failed before ingest recorded anything). */
export async function runsSubmittedWith(db: Db, projectId: string, uri: string): Promise<string[]> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.projectId, projectId), sql`${runs.spec}->'dataset'->>'uri' = ${uri}`));
  return rows.map((r) => r.id);
}

/** The runs of every artifact downstream of `artifactIds` (themselves included): the lineage walk's closure. */
export async function downstreamRunIds(db: Db, artifactIds: string[]): Promise<string[]> {
  return [...new Set((await downstreamArtifacts(db, artifactIds)).map((a) => a.runId))];
}

/** The runs (of the project only) and the registry versions built by them, with aliases and marks. */
export async function impactOfRuns(db: Db, projectId: string, runIds: string[]): Promise<Pick<ErasureImpact, 'runs' | 'versions' | 'productionAffected'>> {
  if (runIds.length === 0) return { runs: [], versions: [], productionAffected: false };
  const runRows = await db
    .select({ id: runs.id, name: runs.name, status: runs.status, createdAt: runs.createdAt })
    .from(runs)
    .where(and(eq(runs.projectId, projectId), inArray(runs.id, runIds)))
    .orderBy(asc(runs.createdAt));
  const ids = runRows.map((r) => r.id);
  const versionRows = ids.length
    ? await db
        .select({ versionId: modelVersions.id, version: modelVersions.version, runId: modelVersions.runId, model: models.name, modelId: models.id })
        .from(modelVersions)
        .innerJoin(models, eq(models.id, modelVersions.modelId))
        .where(and(eq(models.projectId, projectId), inArray(modelVersions.runId, ids)))
        .orderBy(asc(models.name), asc(modelVersions.version))
    : [];
  const versionIds = versionRows.map((v) => v.versionId);
  const aliasRows = versionIds.length ? await db.select({ versionId: modelAliases.versionId, alias: modelAliases.alias }).from(modelAliases).where(inArray(modelAliases.versionId, versionIds)) : [];
  const marks = await marksOf(db, versionIds);
  const versions = versionRows.map((v) => ({
    model: v.model,
    version: v.version,
    versionId: v.versionId,
    runId: v.runId,
    aliases: aliasRows.filter((a) => a.versionId === v.versionId).map((a) => a.alias).sort(),
    affected: marks.get(v.versionId) ?? [],
  }));
  return {
    runs: runRows.map((r) => ({ id: r.id, name: r.name, status: r.status, createdAt: r.createdAt.toISOString() })),
    versions,
    productionAffected: versions.some((v) => v.aliases.includes('production')),
  };
}

/** Erasure marks per version id (oldest first). */
export async function marksOf(db: Db, versionIds: string[]): Promise<Map<string, ErasureMark[]>> {
  const out = new Map<string, ErasureMark[]>();
  if (versionIds.length === 0) return out;
  const rows = await db.select().from(erasureMarks).where(inArray(erasureMarks.versionId, versionIds)).orderBy(asc(erasureMarks.id));
  for (const m of rows) out.set(m.versionId, [...(out.get(m.versionId) ?? []), { reference: m.reference, reason: m.reason, actor: m.actor, at: m.at.toISOString() }]);
  return out;
}

/**
 * How a reference is stored on a mark (and in the audit log). A record hash is stored as an HMAC
 * under the project's key: the registry is readable by every member, and a plain record hash
 * would let anyone who can guess a record confirm that it was in the data.
 */
export async function storedErasureReference(db: Db, projectId: string, ref: ErasureReference): Promise<string> {
  if (ref.type !== 'record_hash') return `${ref.type}:${ref.value}`;
  const key = await getProjectRedactionKey(db, projectId);
  return `record:hmac:${createHmac('sha256', key).update(`erasure-record:${ref.value}`).digest('hex')}`;
}

/**
 * Marks each version affected by `reference`, once: a second mark with the same reference changes
 * nothing (unique per version and reference). Each new mark is audited as `erasure.marked`.
 */
export async function markVersionsAffected(
  db: Db,
  input: { projectId: string; versions: { versionId: string; model: string; version: number }[]; reference: string; reason: string; actor: string },
): Promise<{ model: string; version: number; created: boolean }[]> {
  return db.transaction(async (tx) => {
    const out: { model: string; version: number; created: boolean }[] = [];
    for (const v of input.versions) {
      const [row] = await tx
        .insert(erasureMarks)
        .values({ versionId: v.versionId, reference: input.reference, reason: input.reason, actor: input.actor })
        .onConflictDoNothing()
        .returning({ id: erasureMarks.id });
      if (row) {
        await audit(tx as unknown as Db, {
          actor: input.actor,
          action: 'erasure.marked',
          subjectType: 'model_version',
          subjectId: v.versionId,
          projectId: input.projectId,
          after: { reference: input.reference },
          data: { project: input.projectId, model: v.model, version: v.version, reference: input.reference, reason: input.reason },
        });
      }
      out.push({ model: v.model, version: v.version, created: Boolean(row) });
    }
    return out;
  });
}
