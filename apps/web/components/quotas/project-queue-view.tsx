'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { Card, EmptyState, ErrorBanner, ProjectPageHeader } from '@/components/ui';
import { ApiRequestError, getProjectQuota } from '@/lib/client/api';
import { formatTimestamp } from '@/lib/client/format';
import { slotName } from '@refinery/core/workflow-safe';

/** A project's quotas and the runs waiting under them, in the order they will go ahead; live. */
export function ProjectQueueView({ project }: { project: string }) {
  const quota = useQuery({
    queryKey: ['quota', project],
    queryFn: () => getProjectQuota(project),
    refetchInterval: 3000,
    retry: (count, err) => !(err instanceof ApiRequestError && err.status === 404) && count < 1,
  });
  const q = quota.data;
  const pools = q ? Object.entries(q.gpuSlots) : [];

  return (
    <div className="space-y-4" data-testid="project-queue">
      <ProjectPageHeader project={project} title="Queue and quotas">
        Runs over a limit wait here, highest priority first, then in order of arrival.
      </ProjectPageHeader>
      {quota.isError && <ErrorBanner testId="queue-load-error" title={quota.error instanceof ApiRequestError && quota.error.status === 404 ? 'Project not found' : 'Could not load the queue'} message={quota.error.message} />}
      {q && (
        <>
          <Card title="Limits" testId="queue-limits">
            <dl className="grid grid-cols-2 gap-x-6 gap-y-2 px-4 py-3 text-sm">
              <dt className="text-slate-500">Concurrent runs</dt>
              <dd data-testid="queue-limit-runs">{q.maxConcurrentRuns ?? 'no limit'}</dd>
              <dt className="text-slate-500">GPU slots</dt>
              <dd data-testid="queue-limit-gpu">{pools.length ? pools.map(([pool, n]) => `${pool}: ${n}`).join(', ') : 'no limit'}</dd>
            </dl>
            <p className="px-4 pb-3 text-xs text-slate-500">
              {q.updatedBy ? `Set by ${q.updatedBy}, ${formatTimestamp(q.updatedAt)}. ` : ''}Instance admins change them with <code>refinery quotas set</code> or PUT /api/v1/projects/&#123;project&#125;/quotas.
            </p>
          </Card>
          <Card title={`Waiting (${q.queue.length})`} testId="queue-waiting">
            {q.queue.length === 0 ? (
              <EmptyState>No run is waiting.</EmptyState>
            ) : (
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">For</th>
                    <th scope="col">Run</th>
                    <th scope="col" className="text-right">Priority</th>
                    <th scope="col">Since</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {q.queue.map((e) => (
                    <tr key={`${e.resource}/${e.runId}`} data-testid="queue-row" data-run-id={e.runId}>
                      <td className="font-mono text-xs">{e.position}</td>
                      <td className="font-mono text-xs">{slotName(e.resource)}</td>
                      <td>
                        <Link href={`/runs/${encodeURIComponent(e.runId)}`} className="font-mono text-xs text-emerald-700 hover:underline">
                          {e.runId}
                        </Link>
                      </td>
                      <td className="text-right font-mono text-xs">{e.priority}</td>
                      <td className="whitespace-nowrap text-xs text-slate-600">{formatTimestamp(e.queuedAt)}</td>
                      <td className="text-xs text-slate-600">{e.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </>
      )}
    </div>
  );
}
