import { WorkflowNotFoundError } from '@temporalio/client';
import { getProjectQuotaLimits, projectExists, projectQueue, setProjectQuotaLimits } from '@refinery/db';
import { QUOTA_MESSAGES, quotaWorkflowId, type ProjectQuota, type ProjectQuotaLimits } from '@refinery/core';
import type { ServerContext } from './context';
import { HttpError } from './http';

/** A project's limits and the runs waiting under them (the route's rule has authorized the project). */
export async function getProjectQuota(ctx: ServerContext, project: string): Promise<ProjectQuota> {
  const db = ctx.database.db;
  if (!(await projectExists(db, project))) throw new HttpError(404, 'not_found', `project ${project} not found`);
  const { updatedAt, ...limits } = await getProjectQuotaLimits(db, project);
  return { project, ...limits, updatedAt: updatedAt?.toISOString() ?? null, queue: await projectQueue(db, project) };
}

/**
 * Instance admins: the project's limits from now on (audited as quota.set). The project's
 * semaphore, when running, reads them at once: raising a limit lets waiting runs through,
 * lowering one takes no slot back from a run that holds it.
 */
export async function setProjectQuota(ctx: ServerContext, actor: string, project: string, limits: ProjectQuotaLimits): Promise<ProjectQuota> {
  const db = ctx.database.db;
  if (!(await projectExists(db, project))) throw new HttpError(404, 'not_found', `project ${project} not found`);
  await setProjectQuotaLimits(db, actor, project, limits);
  const client = await ctx.temporal();
  await client.workflow
    .getHandle(quotaWorkflowId(project))
    .signal(QUOTA_MESSAGES.limitsChanged)
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // not running: it reads them when it next starts
    });
  return getProjectQuota(ctx, project);
}
