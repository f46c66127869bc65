import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { QUOTA_MESSAGES, QUOTA_WORKFLOW_TYPE, quotaWorkflowId, type ProjectQuotaLimits, type QuotaResource } from '@refinery/core';
import { getProjectQuotaLimits, replaceProjectQueue, type QueueEntry } from '@refinery/db';
import type { PipelineDeps } from './deps';

export interface SlotRequestInput {
  project: string;
  runId: string;
  resource: QuotaResource;
  priority: number;
}

/**
 * A run asks its project's semaphore for a slot, starting the semaphore when it is not running
 * (on this activity's own task queue: the pipeline worker's).
 */
export async function requestQuotaSlot({ project, ...request }: SlotRequestInput): Promise<void> {
  const ctx = Context.current();
  await ctx.client.workflow.signalWithStart(QUOTA_WORKFLOW_TYPE, {
    workflowId: quotaWorkflowId(project),
    taskQueue: ctx.info.taskQueue,
    args: [{ project }],
    signal: QUOTA_MESSAGES.acquire,
    signalArgs: [request],
  });
}

/** What the project's semaphore workflow (workflows/project-quota.ts) and the runs asking it need. */
export function quotaActivities({ db }: PipelineDeps) {
  return {
    requestQuotaSlot,

    async loadQuotaLimits(project: string): Promise<ProjectQuotaLimits> {
      const { maxConcurrentRuns, gpuSlots } = await getProjectQuotaLimits(db, project);
      return { maxConcurrentRuns, gpuSlots };
    },

    /** Rewrites the project's waiting runs (place in line, reason) for the dashboard, API and CLI. */
    async publishQuotaQueue({ project, entries }: { project: string; entries: (Omit<QueueEntry, 'queuedAt'> & { queuedAt: string })[] }): Promise<void> {
      await replaceProjectQueue(db, project, entries.map((e) => ({ ...e, queuedAt: new Date(e.queuedAt) })));
    },

    /**
     * Slot holders whose run workflow is no longer running (terminated by an operator, or gone):
     * they will never give their slot back, so the semaphore takes it back.
     */
    async endedQuotaHolders({ runIds }: { runIds: string[] }): Promise<string[]> {
      const client = Context.current().client;
      const ended: string[] = [];
      for (const runId of runIds) {
        try {
          const { status } = await client.workflow.getHandle(runId).describe();
          if (status.name !== 'RUNNING') ended.push(runId);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) ended.push(runId);
          else throw err;
        }
      }
      return ended;
    },
  };
}
