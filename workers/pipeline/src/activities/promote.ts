import { ApplicationFailure } from '@temporalio/activity';
import { parseStageReport, type ModelVersionRecord, type PromoteReport, type RunDetail, type RunSpec, type StageName, type StageReport } from '@refinery/core';
import { getRunDetail, moveAlias, registerVersion } from '@refinery/db';
import type { PipelineDeps } from './deps';

export interface PromoteInput {
  runId: string;
  project: string;
  model: string;
  alias: string;
}

/**
 * The promote stage: the run's outputs and judgements become an immutable registry version, and
 * the spec's alias moves to it. Both steps are idempotent (one version per run; a move this run
 * already made is not made again), so a retried activity changes nothing twice.
 */
export function promoteActivities({ db }: PipelineDeps) {
  return {
    async promoteModel(input: PromoteInput): Promise<{ report: PromoteReport }> {
      const run = await getRunDetail(db, input.runId);
      if (!run) throw ApplicationFailure.nonRetryable(`run ${input.runId} is not in the database`, 'PromotionInvalid');
      const record = versionRecord(run);
      if (!record.adapter) throw ApplicationFailure.nonRetryable(`run ${input.runId} produced no adapter to register`, 'PromotionInvalid');
      const { version } = await registerVersion(db, { projectId: input.project, model: input.model, record });
      const report = await moveAlias(db, { projectId: input.project, model: input.model, alias: input.alias, version: version.version, actor: `workflow:${input.runId}` });
      return { report };
    },
  };
}

/** What a version records, from the run's artifacts and stage reports. */
export function versionRecord(run: RunDetail): ModelVersionRecord {
  const report = <S extends StageName>(stage: S): StageReport<S> | null => parseStageReport(stage, run.stages.filter((s) => s.stage === stage && s.status === 'succeeded').at(-1)?.metrics).report;
  const stored = (kind: string) => {
    const a = run.artifacts.find((x) => x.kind === kind);
    return a ? { artifactId: a.id, uri: a.uri, sha256: a.sha256, bytes: a.bytes } : null;
  };
  const spec = run.spec as unknown as RunSpec; // validated when the run was submitted
  const ingest = report('ingest');
  const redact = report('redact');
  const split = report('split');
  const entities: Record<string, number> = {};
  for (const e of redact?.entities ?? []) entities[e.type] = (entities[e.type] ?? 0) + e.count;
  return {
    runId: run.id,
    description: spec.description ?? null,
    baseModel: spec.baseModel.uri,
    baseModelLicense: spec.baseModel.license ?? null,
    hyperparameters: { ...(spec.training ?? {}) },
    data: {
      rawSha256: ingest?.sha256 ?? null,
      records: ingest?.records ?? null,
      redaction: redact ? { policyHash: redact.policyHash, changed: redact.records.changed, dropped: redact.records.dropped, entities } : null,
      trainRecords: split?.trainRecords ?? null,
      evalRecords: split?.evalRecords ?? null,
    },
    adapter: stored('adapter'),
    merged: stored('merged_model'),
    ggufs: (report('quantize')?.files ?? []).flatMap((f) => {
      const a = run.artifacts.find((x) => x.kind === 'gguf' && x.sha256 === f.sha256);
      return a ? [{ format: f.format, artifactId: a.id, uri: a.uri, sha256: a.sha256, bytes: a.bytes }] : [];
    }),
    chatFormat: report('quantize')?.chatFormat ?? null,
    evalReport: stored('eval_report'),
    evaluation: report('evaluate'),
    gates: report('gates'),
    approval: report('approval'),
  };
}
