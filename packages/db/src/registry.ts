import { and, desc, eq, sql } from 'drizzle-orm';
import type { AliasEvent, ModelDetail, ModelSummary, ModelVersion, ModelVersionRecord, PromoteReport } from '@refinery/core';
import type { Db } from './client';
import { audit } from './audit';
import { marksOf } from './erasure';
import { newId } from './ids';
import { aliasEvents, modelAliases, models, modelVersions } from './schema';

/**
 * The model registry. Versions are immutable and one per run; aliases move only inside a
 * transaction that holds the model's row lock, so concurrent promotions of one model happen one
 * after the other: each is recorded, and the alias ends where the last one put it.
 */
export class RegistryError extends Error {
  constructor(
    readonly code: 'not_found' | 'nothing_to_roll_back',
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

async function lockModel(tx: Tx, projectId: string, name: string) {
  await tx.insert(models).values({ id: newId('mdl'), projectId, name }).onConflictDoNothing();
  const [model] = await tx.select().from(models).where(and(eq(models.projectId, projectId), eq(models.name, name))).for('update');
  return model!;
}

/** The run's version of the model: created on first call, found on every later one. */
export async function registerVersion(db: Db, input: { projectId: string; model: string; record: ModelVersionRecord }) {
  return db.transaction(async (tx) => {
    const model = await lockModel(tx, input.projectId, input.model);
    const [existing] = await tx.select().from(modelVersions).where(eq(modelVersions.runId, input.record.runId));
    if (existing) return { model, version: existing, created: false };
    const [{ next }] = (await tx.select({ next: sql<number>`coalesce(max(${modelVersions.version}), 0) + 1` }).from(modelVersions).where(eq(modelVersions.modelId, model.id))) as [{ next: number }];
    const [version] = await tx.insert(modelVersions).values({ id: newId('mv'), modelId: model.id, version: Number(next), runId: input.record.runId, record: input.record }).returning();
    await audit(tx as unknown as Db, { actor: `workflow:${input.record.runId}`, action: 'model.version_registered', subjectType: 'model', subjectId: model.id, projectId: input.projectId, data: { name: model.name, version: version!.version } });
    return { model, version: version!, created: true };
  });
}

/**
 * Points `alias` at `version` of the model, recording the move. Idempotent per actor: if this
 * actor already moved the alias to this version (a retried activity), nothing moves again.
 */
export async function moveAlias(db: Db, input: { projectId: string; model: string; alias: string; version: number; actor: string; action?: 'promote' | 'rollback' }): Promise<PromoteReport> {
  return db.transaction(async (tx) => {
    const model = await lockModel(tx, input.projectId, input.model);
    const [target] = await tx.select().from(modelVersions).where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, input.version)));
    if (!target) throw new RegistryError('not_found', `model ${input.model} has no version ${input.version}`);
    const [current] = await tx.select().from(modelAliases).where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.alias, input.alias)));
    const previous = current ? await versionNumber(tx, current.versionId) : null;
    const report = { model: input.model, version: input.version, alias: input.alias, previousVersion: previous };
    const [done] = await tx
      .select({ id: aliasEvents.id })
      .from(aliasEvents)
      .where(and(eq(aliasEvents.modelId, model.id), eq(aliasEvents.alias, input.alias), eq(aliasEvents.toVersionId, target.id), eq(aliasEvents.actor, input.actor)));
    if (current?.versionId === target.id || (done && input.actor.startsWith('workflow:'))) return { ...report, moved: false };
    await tx
      .insert(modelAliases)
      .values({ modelId: model.id, alias: input.alias, versionId: target.id })
      .onConflictDoUpdate({ target: [modelAliases.modelId, modelAliases.alias], set: { versionId: target.id, updatedAt: new Date() } });
    const action = input.action ?? 'promote';
    await tx.insert(aliasEvents).values({ modelId: model.id, alias: input.alias, action, fromVersionId: current?.versionId ?? null, toVersionId: target.id, actor: input.actor });
    await audit(tx as unknown as Db, { actor: input.actor, action: `model.${action}`, subjectType: 'model', subjectId: model.id, projectId: input.projectId, data: { name: model.name, alias: input.alias, from: previous, to: input.version }, before: { [input.alias]: previous }, after: { [input.alias]: input.version } });
    return { ...report, moved: true };
  });
}

async function versionNumber(tx: Tx, id: string): Promise<number> {
  const [v] = await tx.select({ version: modelVersions.version }).from(modelVersions).where(eq(modelVersions.id, id));
  return v!.version;
}

/**
 * Moves the alias back to the version it held before its current holder was promoted. Rollbacks
 * walk back the promotions (a second rollback goes one further), never forward again.
 */
export async function rollbackAlias(db: Db, input: { projectId: string; model: string; alias: string; actor: string }): Promise<PromoteReport> {
  const target = await db.transaction(async (tx) => {
    const model = await lockModel(tx, input.projectId, input.model);
    const [current] = await tx.select().from(modelAliases).where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.alias, input.alias)));
    if (!current) throw new RegistryError('not_found', `model ${input.model} has no alias ${input.alias}`);
    const [promoted] = await tx
      .select()
      .from(aliasEvents)
      .where(and(eq(aliasEvents.modelId, model.id), eq(aliasEvents.alias, input.alias), eq(aliasEvents.action, 'promote'), eq(aliasEvents.toVersionId, current.versionId)))
      .orderBy(desc(aliasEvents.id))
      .limit(1);
    if (!promoted?.fromVersionId) throw new RegistryError('nothing_to_roll_back', `${input.model}@${input.alias} has no earlier version to roll back to`);
    return versionNumber(tx, promoted.fromVersionId);
  });
  return moveAlias(db, { ...input, version: target, action: 'rollback' });
}

export async function listModels(db: Db, projectId: string): Promise<ModelSummary[]> {
  const rows = await db.select().from(models).where(eq(models.projectId, projectId)).orderBy(models.name);
  return Promise.all(rows.map((m) => summary(db, m)));
}

async function summary(db: Db, m: typeof models.$inferSelect): Promise<ModelSummary> {
  const [latest] = await db.select({ version: sql<number>`max(${modelVersions.version})` }).from(modelVersions).where(eq(modelVersions.modelId, m.id));
  const aliases = await db
    .select({ alias: modelAliases.alias, version: modelVersions.version, versionId: modelAliases.versionId })
    .from(modelAliases)
    .innerJoin(modelVersions, eq(modelAliases.versionId, modelVersions.id))
    .where(eq(modelAliases.modelId, m.id));
  const marks = await marksOf(db, aliases.map((a) => a.versionId));
  return {
    project: m.projectId,
    name: m.name,
    latestVersion: latest?.version == null ? null : Number(latest.version),
    aliases: Object.fromEntries(aliases.map((a) => [a.alias, a.version])),
    affectedAliases: aliases.filter((a) => marks.has(a.versionId)).map((a) => a.alias).sort(),
    createdAt: m.createdAt.toISOString(),
  };
}

export async function getModel(db: Db, projectId: string, name: string): Promise<ModelDetail | null> {
  const [m] = await db.select().from(models).where(and(eq(models.projectId, projectId), eq(models.name, name)));
  if (!m) return null;
  const head = await summary(db, m);
  const versions = await db.select().from(modelVersions).where(eq(modelVersions.modelId, m.id)).orderBy(desc(modelVersions.version));
  const numberOf = new Map(versions.map((v) => [v.id, v.version]));
  const events = await db.select().from(aliasEvents).where(eq(aliasEvents.modelId, m.id)).orderBy(aliasEvents.id);
  const history: AliasEvent[] = events.map((e) => ({
    alias: e.alias,
    action: e.action as AliasEvent['action'],
    fromVersion: e.fromVersionId ? numberOf.get(e.fromVersionId)! : null,
    toVersion: numberOf.get(e.toVersionId)!,
    actor: e.actor,
    at: e.at.toISOString(),
  }));
  const aliasesOf = (version: number) => Object.entries(head.aliases).filter(([, v]) => v === version).map(([a]) => a);
  const marks = await marksOf(db, versions.map((v) => v.id));
  const list: ModelVersion[] = versions.map((v) => ({ id: v.id, version: v.version, runId: v.runId, createdAt: v.createdAt.toISOString(), aliases: aliasesOf(v.version), record: v.record as ModelVersionRecord, affected: marks.get(v.id) ?? [] }));
  return { ...head, versions: list, history };
}

/** The record of the version `alias` points at, or null when the model or the alias does not exist. */
export async function aliasRecord(db: Db, projectId: string, name: string, alias: string): Promise<{ version: number; record: ModelVersionRecord } | null> {
  const [row] = await db
    .select({ version: modelVersions.version, record: modelVersions.record })
    .from(modelAliases)
    .innerJoin(models, eq(modelAliases.modelId, models.id))
    .innerJoin(modelVersions, eq(modelAliases.versionId, modelVersions.id))
    .where(and(eq(models.projectId, projectId), eq(models.name, name), eq(modelAliases.alias, alias)));
  return row ? { version: row.version, record: row.record as ModelVersionRecord } : null;
}
