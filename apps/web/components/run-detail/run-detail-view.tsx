'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { ErrorBanner } from '@/components/ui';
import { ApiRequestError, getRun } from '@/lib/client/api';
import { formatTimestamp } from '@/lib/client/format';
import { isTerminalRunStatus } from '@refinery/core/workflow-safe';
import { LIVE_REFRESH_MS } from '@/lib/client/run-status';
import { UsageCard } from '@/components/usage/usage-card';
import { ArtifactsTable } from './artifacts-table';
import { RunHeader } from './run-header';
import { SpecView } from './spec-view';
import { StagePanelsList } from './stage-panels-list';
import { StageTimeline } from './stage-timeline';

/** The run page: polls the run until it reaches a terminal status. */
export function RunDetailView({ runId }: { runId: string }) {
  const query = useQuery({
    queryKey: ['run', runId],
    queryFn: () => getRun(runId),
    refetchInterval: (q) => (q.state.data && isTerminalRunStatus(q.state.data.status) ? false : LIVE_REFRESH_MS),
    // A missing run will not appear by retrying.
    retry: (count, err) => !(err instanceof ApiRequestError && err.status === 404) && count < 1,
  });

  if (query.isPending) return <p className="text-sm text-slate-500">Loading run…</p>;
  if (query.isError && !query.data) {
    const notFound = query.error instanceof ApiRequestError && query.error.status === 404;
    return (
      <div className="space-y-3">
        <ErrorBanner testId="run-load-error" title={notFound ? 'Run not found' : 'Could not load this run'} message={query.error.message} />
        <Link href="/" className="text-sm text-emerald-700 underline">
          Back to all runs
        </Link>
      </div>
    );
  }

  const run = query.data!;
  const now = query.dataUpdatedAt || Date.now();
  const live = !isTerminalRunStatus(run.status);
  return (
    <div className="space-y-5" data-testid="run-detail" data-run-id={run.id}>
      <nav aria-label="Breadcrumb" className="flex items-center gap-2 text-sm text-slate-500">
        <Link href="/" className="hover:text-slate-800 hover:underline">
          Runs
        </Link>
        <span aria-hidden>/</span>
        <span className="text-slate-700">{run.name}</span>
        <span className="ml-auto text-xs" aria-live="polite">
          {live ? (query.isError ? 'Live updates failing, retrying…' : `Live · updated ${formatTimestamp(new Date(now).toISOString()).slice(11)}`) : 'Final'}
        </span>
      </nav>
      {query.isError && <ErrorBanner title="The last refresh failed" message={query.error.message} />}
      <RunHeader run={run} now={now} />
      <StageTimeline run={run} now={now} />
      <StagePanelsList run={run} />
      <ArtifactsTable artifacts={run.artifacts} />
      <UsageCard run={run} />
      <SpecView spec={run.spec} />
    </div>
  );
}
