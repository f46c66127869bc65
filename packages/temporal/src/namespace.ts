import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

/**
 * Registers `namespace` on a self-run Temporal Server if it is new (the CLI's dev server and
 * Temporal Cloud create theirs up front). Resolves true once the namespace is usable: a new one
 * reaches the frontend's namespace cache a few seconds after registration, so callers poll.
 */
export async function ensureNamespace(connection: Connection, namespace: string, retention = '7 days'): Promise<boolean> {
  const service = connection.workflowService;
  try {
    await service.describeNamespace({ namespace });
  } catch {
    await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retention) }).catch((err: Error) => {
      if (!/already exists|AlreadyExists/i.test(err.message)) throw err;
    });
    return false;
  }
  // Goes through the frontend's namespace cache, as workers' polls do.
  await service.countWorkflowExecutions({ namespace, query: '' });
  return true;
}
