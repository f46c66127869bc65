import { sql, type SQL } from 'drizzle-orm';
import { shortSha, STAGE_DEFINITIONS, type LineageDirection, type LineageEdge, type LineageGraph, type LineageNode, type LineageRef, type StageName } from '@refinery/core';
import type { Db } from './client';

/**
 * The lineage graph. Data nodes — artifacts, approvals (one per run with an approval stage) and
 * registry versions — are walked with one recursive CTE per direction over `lineage_edges` (an
 * artifact made from another by a stage), the version records (the artifacts a version
 * registers) and the approval stage (its evidence is the evaluation report; it approves the
 * run's version). Stage executions (one per run and stage, not per attempt) and runs are then
 * added around the walked nodes: every artifact is produced by its stage, which consumed the
 * artifacts its lineage edges come from, and is part of its run.
 *
 * Depth counts steps between data nodes: raw → redacted is one, an evaluation report → its
 * approval is one, the approval → the version is one.
 */

type DataType = 'artifact' | 'approval' | 'version';
interface Walked {
  type: DataType;
  id: string;
  depth: number;
}

/** Where the approval stage's node points (it is the approval node, not a stage node). */
const APPROVAL_STAGE = 'approval';

const rowsOf = async <T>(db: Db, query: SQL): Promise<T[]> => (await db.execute(query)).rows as T[];
const jsonParam = (v: unknown) => sql`${JSON.stringify(v)}::jsonb`;

/** The ids of the artifacts a version record registers (adapter, merged model, GGUFs, evaluation report). */
const REGISTERED_IDS = (mv: string) =>
  sql.raw(
    `(select r.id from (values (${mv}.record->'adapter'->>'artifactId'), (${mv}.record->'merged'->>'artifactId'), (${mv}.record->'evalReport'->>'artifactId')) r(id) where r.id is not null
      union all select g->>'artifactId' from jsonb_array_elements(coalesce(${mv}.record->'ggufs', '[]'::jsonb)) g)`,
  );
const HAS_APPROVAL = (runId: string) => sql.raw(`exists (select 1 from stage_executions s where s.run_id = ${runId} and s.stage = '${APPROVAL_STAGE}')`);

/** One step downstream of (w.type, w.id). */
const DOWN_STEP = sql`
  select 'artifact'::text, e.to_artifact_id from lineage_edges e where w.type = 'artifact' and e.from_artifact_id = w.id
  union all
  select 'version', mv.id from artifacts a join model_versions mv on mv.run_id = a.run_id
    where w.type = 'artifact' and a.id = w.id and a.id in ${REGISTERED_IDS('mv')}
  union all
  select 'approval', a.run_id from artifacts a
    where w.type = 'artifact' and a.id = w.id and a.kind = 'eval_report' and ${HAS_APPROVAL('a.run_id')}
  union all
  select 'version', mv.id from model_versions mv where w.type = 'approval' and mv.run_id = w.id`;

/** One step upstream of (w.type, w.id). */
const UP_STEP = sql`
  select 'artifact'::text, e.from_artifact_id from lineage_edges e where w.type = 'artifact' and e.to_artifact_id = w.id
  union all
  select 'artifact', a.id from model_versions mv join artifacts a on a.run_id = mv.run_id
    where w.type = 'version' and mv.id = w.id and a.id in ${REGISTERED_IDS('mv')}
  union all
  select 'approval', mv.run_id from model_versions mv where w.type = 'version' and mv.id = w.id and ${HAS_APPROVAL('mv.run_id')}
  union all
  select 'artifact', a.id from artifacts a where w.type = 'approval' and a.run_id = w.id and a.kind = 'eval_report'`;

/** Data nodes reachable from `seeds` in one direction within `depth` steps, each at its shortest distance. */
async function walk(db: Db, seeds: { type: DataType; id: string }[], step: SQL, depth: number): Promise<Walked[]> {
  if (seeds.length === 0) return [];
  const rows = await rowsOf<{ type: DataType; id: string; depth: number }>(
    db,
    sql`with recursive walk(type, id, depth) as (
          select s->>'type', s->>'id', 0 from jsonb_array_elements(${jsonParam(seeds)}) s
          union
          select n.type, n.id, w.depth + 1 from walk w cross join lateral (${step}) n(type, id)
          where w.depth < ${depth}
        )
        select type, id, min(depth)::int as depth from walk group by type, id`,
  );
  return rows.map((r) => ({ ...r, depth: Number(r.depth) }));
}

export interface DownstreamArtifact {
  id: string;
  runId: string;
  projectId: string;
  kind: string;
  sha256: string;
  /** Steps from the nearest given artifact (0: one of them). */
  depth: number;
}

/**
 * Every artifact made, directly or not, from the given ones (the given ones included, at depth
 * 0), with its run and project. For erasure impact: what a removed record flowed into.
 */
export async function downstreamArtifacts(db: Db, artifactIds: string[], maxDepth = 1000): Promise<DownstreamArtifact[]> {
  const walked = (await walk(db, artifactIds.map((id) => ({ type: 'artifact' as const, id })), DOWN_STEP, maxDepth)).filter((w) => w.type === 'artifact');
  if (walked.length === 0) return [];
  const depthOf = new Map(walked.map((w) => [w.id, w.depth]));
  const rows = await rowsOf<Omit<DownstreamArtifact, 'depth'>>(
    db,
    sql`select a.id, a.run_id as "runId", r.project_id as "projectId", a.kind, a.sha256
        from artifacts a join runs r on r.id = a.run_id
        where a.id in (select jsonb_array_elements_text(${jsonParam([...depthOf.keys()])}))`,
  );
  return rows.map((r) => ({ ...r, depth: depthOf.get(r.id)! })).sort((a, b) => a.depth - b.depth || a.id.localeCompare(b.id));
}

export interface RunVersion {
  versionId: string;
  modelId: string;
  projectId: string;
  model: string;
  version: number;
  runId: string;
  aliases: string[];
}

/** The registry versions the given runs became (at most one per run), with the aliases on each. */
export async function versionsOfRuns(db: Db, runIds: string[]): Promise<RunVersion[]> {
  if (runIds.length === 0) return [];
  const rows = await rowsOf<RunVersion>(
    db,
    sql`select mv.id as "versionId", m.id as "modelId", m.project_id as "projectId", m.name as model, mv.version, mv.run_id as "runId",
               coalesce((select array_agg(al.alias order by al.alias) from model_aliases al where al.version_id = mv.id), '{}') as aliases
        from model_versions mv join models m on m.id = mv.model_id
        where mv.run_id in (select jsonb_array_elements_text(${jsonParam(runIds)}))
        order by m.project_id, m.name, mv.version`,
  );
  return rows.map((r) => ({ ...r, version: Number(r.version) }));
}

export class LineageNotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineageNotFound';
  }
}

/** The data nodes a reference names, limited to projects the caller may read. Throws LineageNotFound otherwise. */
async function resolveStart(db: Db, ref: LineageRef, canRead: (projectId: string) => boolean): Promise<{ seeds: { type: DataType; id: string }[]; projects: string[] }> {
  const visible = <T extends { projectId: string }>(rows: T[]) => rows.filter((r) => canRead(r.projectId));
  if (ref.kind === 'sha256' || ref.kind === 'artifact') {
    const where = ref.kind === 'sha256' ? sql`a.sha256 = ${ref.sha256}` : sql`a.id = ${ref.id}`;
    const rows = visible(await rowsOf<{ id: string; projectId: string }>(db, sql`select a.id, r.project_id as "projectId" from artifacts a join runs r on r.id = a.run_id where ${where} order by a.id`));
    if (rows.length === 0) throw new LineageNotFound(ref.kind === 'sha256' ? `no artifact with sha256 ${ref.sha256} in your projects` : `no artifact "${ref.id}"`);
    return { seeds: rows.map((r) => ({ type: 'artifact', id: r.id })), projects: [...new Set(rows.map((r) => r.projectId))] };
  }
  if (ref.kind === 'run') {
    const [run] = visible(await rowsOf<{ id: string; projectId: string }>(db, sql`select id, project_id as "projectId" from runs where id = ${ref.id}`));
    if (!run) throw new LineageNotFound(`no run "${ref.id}"`);
    const arts = await rowsOf<{ id: string }>(db, sql`select id from artifacts where run_id = ${run.id} order by id`);
    const approval = await rowsOf<{ id: string }>(db, sql`select run_id as id from stage_executions where run_id = ${run.id} and stage = ${APPROVAL_STAGE} limit 1`);
    const versions = await versionsOfRuns(db, [run.id]);
    return {
      seeds: [...arts.map((a) => ({ type: 'artifact' as const, id: a.id })), ...approval.map(() => ({ type: 'approval' as const, id: run.id })), ...versions.map((v) => ({ type: 'version' as const, id: v.versionId }))],
      projects: [run.projectId],
    };
  }
  const named = `${ref.project}/${ref.model}@${ref.kind === 'version' ? `v${ref.version}` : ref.alias}`;
  if (!canRead(ref.project)) throw new LineageNotFound(`no model version ${named}`);
  const match =
    ref.kind === 'version'
      ? sql`mv.version = ${ref.version}`
      : sql`mv.id = (select al.version_id from model_aliases al where al.model_id = m.id and al.alias = ${ref.alias})`;
  const [row] = await rowsOf<{ id: string }>(db, sql`select mv.id from model_versions mv join models m on m.id = mv.model_id where m.project_id = ${ref.project} and m.name = ${ref.model} and ${match}`);
  if (!row) throw new LineageNotFound(`no model version ${named}`);
  return { seeds: [{ type: 'version', id: row.id }], projects: [ref.project] };
}

/**
 * The lineage graph around a start node: the nodes and edges within `depth` steps `direction`
 * of it, in projects the caller may read (`canRead`; the start node in any other project is
 * LineageNotFound, as if it did not exist).
 */
export async function lineageGraph(db: Db, input: { ref: LineageRef; direction: LineageDirection; depth: number; canRead: (projectId: string) => boolean }): Promise<LineageGraph> {
  const { ref, direction, depth, canRead } = input;
  const { seeds } = await resolveStart(db, ref, canRead);
  const walked = new Map<string, Walked>();
  const add = (w: Walked) => {
    const key = `${w.type}:${w.id}`;
    const seen = walked.get(key);
    if (!seen || w.depth < seen.depth) walked.set(key, w);
  };
  if (direction !== 'down') (await walk(db, seeds, UP_STEP, depth)).forEach(add);
  if (direction !== 'up') (await walk(db, seeds, DOWN_STEP, depth)).forEach(add);
  const startKeys = new Set(seeds.map((s) => `${s.type}:${s.id}`));
  // A start node's own producer lies upstream: shown unless only downstream was asked for (a run is shown whole).
  const showProducer = (key: string) => !(direction === 'down' && startKeys.has(key) && ref.kind !== 'run');
  return assemble(db, [...walked.values()], { startKeys, showProducer, canRead, direction, depth });
}

interface ArtifactRow {
  id: string;
  runId: string;
  projectId: string;
  kind: string;
  sha256: string;
  bytes: number;
  stage: string;
  metadata: Record<string, unknown> | null;
}

async function assemble(
  db: Db,
  walked: Walked[],
  o: { startKeys: Set<string>; showProducer: (key: string) => boolean; canRead: (p: string) => boolean; direction: LineageDirection; depth: number },
): Promise<LineageGraph> {
  const ids = (type: DataType) => walked.filter((w) => w.type === type).map((w) => w.id);
  const depthOf = new Map(walked.map((w) => [`${w.type}:${w.id}`, w.depth]));
  const artifactRows = (
    await rowsOf<ArtifactRow>(
      db,
      sql`select a.id, a.run_id as "runId", r.project_id as "projectId", a.kind, a.sha256, a.bytes, a.produced_by_stage as stage, a.metadata
          from artifacts a join runs r on r.id = a.run_id where a.id in (select jsonb_array_elements_text(${jsonParam(ids('artifact'))}))`,
    )
  ).filter((a) => o.canRead(a.projectId));
  const artifactsById = new Map(artifactRows.map((a) => [a.id, a]));
  const versionRows = (
    await rowsOf<RunVersion>(
      db,
      sql`select mv.id as "versionId", m.id as "modelId", m.project_id as "projectId", m.name as model, mv.version, mv.run_id as "runId",
                 coalesce((select array_agg(al.alias order by al.alias) from model_aliases al where al.version_id = mv.id), '{}') as aliases
          from model_versions mv join models m on m.id = mv.model_id where mv.id in (select jsonb_array_elements_text(${jsonParam(ids('version'))}))`,
    )
  ).filter((v) => o.canRead(v.projectId));
  const registered = await rowsOf<{ versionId: string; artifactId: string }>(
    db,
    sql`select mv.id as "versionId", x.id as "artifactId" from model_versions mv cross join lateral ${REGISTERED_IDS('mv')} x(id)
        where mv.id in (select jsonb_array_elements_text(${jsonParam(versionRows.map((v) => v.versionId))}))`,
  );
  const approvalRuns = ids('approval');
  const edgeRows = await rowsOf<{ from: string; to: string; relation: string; runId: string; stage: string }>(
    db,
    sql`select e.from_artifact_id as "from", e.to_artifact_id as "to", e.relation, e.run_id as "runId", e.stage from lineage_edges e
        where e.to_artifact_id in (select jsonb_array_elements_text(${jsonParam([...artifactsById.keys()])}))`,
  );

  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, LineageEdge>();
  const edge = (from: string, to: string, type: LineageEdge['type'], relation: string | null = null) => {
    if (nodes.has(from) && nodes.has(to)) edges.set(`${from}|${to}|${type}|${relation}`, { from, to, type, relation });
  };
  const stageKey = (runId: string, stage: string) => (stage === APPROVAL_STAGE ? `approval:${runId}` : `stage:${runId}:${stage}`);
  const wantedStages = new Map<string, { runId: string; stage: string; projectId: string }>();
  const wantStage = (runId: string, stage: string, projectId: string) => {
    if (stage !== APPROVAL_STAGE) wantedStages.set(stageKey(runId, stage), { runId, stage, projectId });
  };

  for (const a of artifactRows) {
    const format = a.kind === 'gguf' && typeof a.metadata?.format === 'string' ? ` ${a.metadata.format}` : '';
    nodes.set(`artifact:${a.id}`, {
      type: 'artifact',
      id: `artifact:${a.id}`,
      label: `${a.kind}${format} ${shortSha(a.sha256)}`,
      project: a.projectId,
      href: `/api/v1/artifacts/${a.id}/content`,
      depth: depthOf.get(`artifact:${a.id}`) ?? null,
      artifactId: a.id,
      kind: a.kind,
      sha256: a.sha256,
      bytes: Number(a.bytes),
      runId: a.runId,
      stage: a.stage,
    });
    if (o.showProducer(`artifact:${a.id}`)) wantStage(a.runId, a.stage, a.projectId);
  }
  // The stage that made an artifact consumed what its lineage edges come from (an edge between two
  // outputs of one stage, like a dataset and its redaction report, is not a consumption).
  const consumptions = edgeRows.filter((e) => artifactsById.has(e.from) && o.showProducer(`artifact:${e.to}`) && !(artifactsById.get(e.from)!.runId === e.runId && artifactsById.get(e.from)!.stage === e.stage));
  for (const e of consumptions) wantStage(e.runId, e.stage, artifactsById.get(e.to)!.projectId);

  const versionsByRun = new Map(versionRows.map((v) => [v.runId, v]));
  for (const v of versionRows) {
    if (o.showProducer(`version:${v.versionId}`)) wantStage(v.runId, 'promote', v.projectId);
  }
  const runIds = new Set([...artifactRows.map((a) => a.runId), ...versionRows.map((v) => v.runId), ...approvalRuns]);
  const runRows = (
    await rowsOf<{ id: string; name: string; status: string; projectId: string }>(
      db,
      sql`select id, name, status, project_id as "projectId" from runs where id in (select jsonb_array_elements_text(${jsonParam([...runIds])}))`,
    )
  ).filter((r) => o.canRead(r.projectId));
  const runsById = new Map(runRows.map((r) => [r.id, r]));
  // The gates stage weighed the evidence an approval was shown.
  for (const runId of approvalRuns) if (runsById.has(runId) && o.showProducer(`approval:${runId}`)) wantStage(runId, 'gates', runsById.get(runId)!.projectId);

  const stageRows = await rowsOf<{ runId: string; stage: string; status: string; attempts: number; metrics: unknown }>(
    db,
    sql`select distinct on (s.run_id, s.stage) s.run_id as "runId", s.stage, s.status, s.metrics,
               (select count(*) from stage_executions c where c.run_id = s.run_id and c.stage = s.stage)::int as attempts
        from stage_executions s where s.run_id in (select jsonb_array_elements_text(${jsonParam([...runIds])}))
        order by s.run_id, s.stage, s.attempt desc`,
  );
  const stageOf = new Map(stageRows.map((s) => [`${s.runId}:${s.stage}`, s]));

  for (const [key, s] of wantedStages) {
    const row = stageOf.get(`${s.runId}:${s.stage}`);
    if (!row || !runsById.has(s.runId)) continue;
    const title = (STAGE_DEFINITIONS as Record<string, { title: string } | undefined>)[s.stage]?.title ?? s.stage;
    nodes.set(key, { type: 'stage', id: key, label: title, project: s.projectId, href: `/runs/${s.runId}#stage-${s.stage}`, depth: null, runId: s.runId, stage: s.stage, status: row.status, attempts: Number(row.attempts) });
  }
  for (const runId of approvalRuns) {
    const run = runsById.get(runId);
    const report = stageOf.get(`${runId}:${APPROVAL_STAGE}`)?.metrics as
      | { outcome?: string; evidenceSha256?: string; required?: number; decisions?: { decision: string; actor: string; comment: string; at: string }[] }
      | null
      | undefined;
    if (!run) continue;
    const decisions = (report?.decisions ?? []).map((d) => ({ decision: d.decision, actor: d.actor, comment: d.comment, at: d.at }));
    const approvals = decisions.filter((d) => d.decision === 'approve').length;
    nodes.set(`approval:${runId}`, {
      type: 'approval',
      id: `approval:${runId}`,
      label: `approval: ${report?.outcome ?? 'unknown'}${report?.required ? ` (${approvals}/${report.required})` : ''}`,
      project: run.projectId,
      href: `/runs/${runId}#stage-${APPROVAL_STAGE}`,
      depth: depthOf.get(`approval:${runId}`) ?? null,
      runId,
      outcome: report?.outcome ?? 'unknown',
      evidenceSha256: report?.evidenceSha256 ?? null,
      decisions,
    });
  }
  for (const v of versionRows) {
    nodes.set(`version:${v.versionId}`, {
      type: 'version',
      id: `version:${v.versionId}`,
      label: `${v.model}@v${v.version}`,
      project: v.projectId,
      href: `/models/${v.projectId}/${v.model}#v${v.version}`,
      depth: depthOf.get(`version:${v.versionId}`) ?? null,
      versionId: v.versionId,
      model: v.model,
      version: Number(v.version),
      runId: v.runId,
      aliases: v.aliases,
    });
  }
  for (const r of runRows) nodes.set(`run:${r.id}`, { type: 'run', id: `run:${r.id}`, label: r.name, project: r.projectId, href: `/runs/${r.id}`, depth: null, runId: r.id, name: r.name, status: r.status });

  // Edges, each only between nodes present.
  for (const a of artifactRows) edge(stageKey(a.runId, a.stage), `artifact:${a.id}`, 'produced');
  for (const e of consumptions) edge(`artifact:${e.from}`, stageKey(e.runId, e.stage), 'consumed', e.relation);
  for (const [key, s] of wantedStages) edge(key, `run:${s.runId}`, 'part_of');
  for (const runId of approvalRuns) {
    edge(`approval:${runId}`, `run:${runId}`, 'part_of');
    edge(`stage:${runId}:gates`, `approval:${runId}`, 'approved');
    for (const a of artifactRows) if (a.runId === runId && a.kind === 'eval_report') edge(`artifact:${a.id}`, `approval:${runId}`, 'approved');
    const v = versionsByRun.get(runId);
    if (v) edge(`approval:${runId}`, `version:${v.versionId}`, 'approved');
  }
  for (const v of versionRows) edge(`stage:${v.runId}:promote`, `version:${v.versionId}`, 'produced');
  for (const r of registered) edge(`artifact:${r.artifactId}`, `version:${r.versionId}`, 'registered');
  // The gates stage read the evaluation report.
  for (const a of artifactRows) if (a.kind === 'eval_report') edge(`artifact:${a.id}`, `stage:${a.runId}:gates`, 'consumed', 'gated_on');

  const start = [...o.startKeys].filter((k) => nodes.has(k));
  const order: Record<LineageNode['type'], number> = { run: 0, artifact: 1, stage: 2, approval: 3, version: 4 };
  return {
    start,
    direction: o.direction,
    depth: o.depth,
    nodes: [...nodes.values()].sort((a, b) => order[a.type] - order[b.type] || (a.depth ?? 0) - (b.depth ?? 0) || a.id.localeCompare(b.id)),
    edges: [...edges.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.type.localeCompare(b.type) || (a.relation ?? '').localeCompare(b.relation ?? '')),
  };
}
