import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { OPENLINEAGE_REDELIVERY, OpenLineageExportQuerySchema, TASK_QUEUES, type OpenLineageRedeliveryInput, type OpenLineageRedeliveryResult } from '@refinery/core';
import { audit, getRunRow, listOpenLineageEvents } from '@refinery/db';
import type { ServerContext } from './context';
import { HttpError } from './http';

const PAGE = 500;

/** The export's query, validated; a run must belong to the project (another's answers 404 like a missing one). */
export async function exportQuery(server: ServerContext, url: URL, project: string) {
  const parsed = OpenLineageExportQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    throw new HttpError(400, 'invalid_query', `invalid query: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const q = parsed.data;
  if (q.run) {
    const run = await getRunRow(server.database.db, q.run);
    if (!run || run.projectId !== project) throw new HttpError(404, 'not_found', `no run "${q.run}" in project ${project}`);
  }
  return { ...q, project };
}

/**
 * The project's OpenLineage events as JSON Lines, in the order they were stored, read from
 * Postgres a page at a time as the client consumes them (never the whole export in memory).
 */
export function openLineageJsonl(server: ServerContext, q: { project: string; run?: string; limit?: number }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor = 0;
  let left = q.limit ?? Number.POSITIVE_INFINITY;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = await listOpenLineageEvents(server.database.db, { projectId: q.project, runId: q.run, after: cursor, limit: Math.min(PAGE, left) });
      if (rows.length) {
        controller.enqueue(encoder.encode(rows.map((r) => `${JSON.stringify(r.event)}\n`).join('')));
        cursor = rows.at(-1)!.id;
        left -= rows.length;
      }
      if (rows.length < PAGE || left <= 0) controller.close();
    },
  });
}

const WAIT_MS = 55_000;

/**
 * Redelivery now, for an instance admin: starts the pipeline worker's redelivery workflow (the
 * worker holds the endpoint and its key) and waits for its result; a long round answers 202
 * with the workflow id instead. Audited as `openlineage.redelivered`.
 */
export async function redeliverNow(server: ServerContext, actor: string, input: OpenLineageRedeliveryInput): Promise<{ status: number; body: OpenLineageRedeliveryResult | { workflowId: string; status: 'running' } }> {
  const client = await server.temporal().catch((err: Error) => {
    throw new HttpError(503, 'temporal_unavailable', `Temporal is unavailable (${err.message}); try again`);
  });
  const workflowId = `openlineage-redelivery-now-${randomUUID()}`;
  const handle = await client.workflow.start(OPENLINEAGE_REDELIVERY.workflowType, { workflowId, taskQueue: TASK_QUEUES.pipeline, args: [input] });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), WAIT_MS)));
  try {
    const result = await Promise.race([handle.result() as Promise<OpenLineageRedeliveryResult>, timeout]);
    if (result === 'timeout') return { status: 202, body: { workflowId, status: 'running' } };
    await audit(server.database.db, { actor, action: 'openlineage.redelivered', subjectType: 'openlineage', subjectId: workflowId, data: { ...result } });
    return { status: 200, body: result };
  } catch (err) {
    if (err instanceof WorkflowFailedError) throw new HttpError(500, 'redelivery_failed', `the redelivery workflow ${workflowId} failed: ${err.cause?.message ?? err.message}`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
