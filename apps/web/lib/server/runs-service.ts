import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { isTerminalRunStatus, parseRunSpecText, RUN_STATUSES, TASK_QUEUES, validateRunSpec, WORKFLOW_TYPES, type FineTuneRunInput, type RunSpec, type RunStatus } from '@refinery/core';
import { audit, createRun, decodeCursor, getRunDetail, getRunRow, listRuns, objectVisibleTo, setRunStatus } from '@refinery/db';
import { resolveFileSource, SourceRejectedError } from '@refinery/storage';
import { activeTraceId } from '@refinery/temporal/tracing';
import { HttpError, parseJsonBody } from './http';
import type { ServerContext } from './context';

/** Parses a RunSpec from a request body: YAML for yaml content types, JSON otherwise. */
export function parseSpecBody(text: string, contentType: string | null): RunSpec {
  const result = /yaml/i.test(contentType ?? '')
    ? parseRunSpecText(text)
    : validateRunSpec(parseJsonBody(text, '; send JSON or set Content-Type: application/yaml'));
  if (!result.ok) throw new HttpError(400, 'invalid_spec', 'the RunSpec is invalid', result.issues);
  return result.spec;
}

/**
 * Checks what can be checked before queuing: local files must exist inside the data roots, and
 * an object:// source must be one of the project's uploads or outputs (hashes are no passwords).
 */
export async function checkSpecSources(ctx: ServerContext, spec: RunSpec): Promise<void> {
  const checks: [string, string, 'file' | 'directory'][] = [
    ['dataset.uri', spec.dataset.uri, 'file'],
    ['baseModel.uri', spec.baseModel.uri, 'directory'],
  ];
  const issues = [];
  for (const [path, uri, expect] of checks) {
    const object = /^object:\/\/sha256\/([0-9a-f]{64})$/.exec(uri);
    if (object && !(await objectVisibleTo(ctx.database.db, spec.project, object[1]!))) {
      issues.push({ path, message: `${uri} is not an upload of project ${spec.project} (upload it with POST /api/v1/uploads?project=${spec.project})` });
    }
    if (!uri.startsWith('file://')) continue;
    try {
      await resolveFileSource(uri, ctx.sources, expect);
    } catch (err) {
      if (!(err instanceof SourceRejectedError)) throw err;
      issues.push({ path, message: err.message });
    }
  }
  if (issues.length) throw new HttpError(400, 'invalid_spec', 'the RunSpec points at sources that cannot be used', issues);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const canonical = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(canonical).join(',')}]` : v && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}` : JSON.stringify(v);

/**
 * Creates a run and starts its workflow (id = run id). Same Idempotency-Key → same run;
 * the workflow start is itself idempotent, so a retry after a failed start completes it.
 */
/** `actor` is recorded as the submitter; `person` (the user behind a token) may not approve the run. */
export async function submitRun(ctx: ServerContext, spec: RunSpec, idempotencyKey: string | null, actor: string, person: string) {
  if (idempotencyKey !== null && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
    throw new HttpError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1-200 printable ASCII characters without spaces');
  }
  await checkSpecSources(ctx, spec);
  const specSha256 = sha256(canonical(spec));
  // The request's trace (its span is active here) also holds the workflow it starts: the run keeps its id.
  const { run, created } = await createRun(ctx.database.db, { spec, specSha256, idempotencyKey: idempotencyKey ?? undefined, actor, traceId: activeTraceId() });
  if (!created) {
    const existing = await getRunRow(ctx.database.db, run.id);
    if (existing!.specSha256 !== specSha256) {
      throw new HttpError(422, 'idempotency_key_reused', `Idempotency-Key "${idempotencyKey}" was already used for run ${run.id} with a different spec; use a new key`);
    }
  }
  if (run.status === 'queued') await startWorkflow(ctx, run.id, spec, person);
  return { run, created };
}

async function startWorkflow(ctx: ServerContext, runId: string, spec: RunSpec, submittedBy: string) {
  const client = await ctx.temporal().catch((err: Error) => {
    throw new HttpError(503, 'temporal_unavailable', `the run ${runId} is saved but could not be started: Temporal is unreachable (${err.message}); retry with the same Idempotency-Key`);
  });
  try {
    await client.workflow.start(WORKFLOW_TYPES.fineTuneRun, {
      workflowId: runId,
      taskQueue: TASK_QUEUES.pipeline,
      args: [{ runId, spec, submittedBy } satisfies FineTuneRunInput],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

export async function listRunsQuery(ctx: ServerContext, params: URLSearchParams, visibleProjects: readonly string[] | 'all') {
  const status = params.get('status');
  if (status && !(RUN_STATUSES as readonly string[]).includes(status)) {
    throw new HttpError(400, 'invalid_query', `status must be one of ${RUN_STATUSES.join(', ')}`);
  }
  const limit = Number(params.get('limit') ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new HttpError(400, 'invalid_query', 'limit must be an integer from 1 to 200');
  const cursorText = params.get('cursor');
  const cursor = cursorText ? decodeCursor(cursorText) : undefined;
  if (cursorText && !cursor) throw new HttpError(400, 'invalid_query', 'cursor is not one this API returned');
  return listRuns(ctx.database.db, { project: params.get('project') ?? undefined, status: (status as RunStatus) ?? undefined, limit, cursor: cursor ?? undefined, visibleProjects });
}

/** The run's detail; the route's rule has already checked the caller may read it. */
export async function getRunOr404(ctx: ServerContext, id: string) {
  const run = await getRunDetail(ctx.database.db, id);
  if (!run) throw new HttpError(404, 'not_found', `no run with id "${id}"`);
  return { ...run, traceUrl: traceUrl(ctx.config.REFINERY_TRACE_URL_TEMPLATE, run.traceId) };
}

/** The run's trace in the operator's tracing UI (REFINERY_TRACE_URL_TEMPLATE with {traceId} filled in). */
export function traceUrl(template: string | undefined, traceId: string | null): string | null {
  return template && traceId ? template.replaceAll('{traceId}', encodeURIComponent(traceId)) : null;
}

/** Asks Temporal to cancel; the workflow records `cancelled` itself once the stage stops. */
export async function cancelRun(ctx: ServerContext, id: string, actor: string) {
  const run = await getRunOr404(ctx, id);
  if (isTerminalRunStatus(run.status)) throw new HttpError(409, 'already_finished', `run ${id} is already ${run.status}`);
  const client = await ctx.temporal();
  try {
    await client.workflow.getHandle(id).cancel();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // Never started (Temporal was down at submit): nothing runs, so record the outcome here.
    await setRunStatus(ctx.database.db, id, { status: 'cancelled' });
  }
  await audit(ctx.database.db, { actor, action: 'run.cancel_requested', subjectType: 'run', subjectId: id });
  return getRunOr404(ctx, id);
}
