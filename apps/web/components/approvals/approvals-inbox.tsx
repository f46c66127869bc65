'use client';

import Link from 'next/link';
import { useQueries, useQuery } from '@tanstack/react-query';
import { ErrorBanner } from '@/components/ui';
import { StagePanelsList } from '@/components/run-detail/stage-panels-list';
import { getRun, listRuns } from '@/lib/client/api';
import { formatRelative } from '@/lib/client/format';
import { LIVE_REFRESH_MS } from '@/lib/client/run-status';

// What a reviewer weighs, in the order they read it: the request, the gates, the numbers and
// samples (base vs tuned vs each GGUF), and what the data went through.
const EVIDENCE = ['approval', 'gates', 'evaluate', 'redact'] as const;

/**
 * Runs awaiting approval in the caller's projects, each with its evidence and the decision form
 * (the approval panel refuses, with the reason, a submitter or someone without the reviewer role).
 */
export function ApprovalsInbox() {
  const pending = useQuery({ queryKey: ['runs', 'awaiting_approval'], queryFn: () => listRuns({ status: 'awaiting_approval' }), refetchInterval: LIVE_REFRESH_MS });
  const details = useQueries({
    queries: (pending.data?.runs ?? []).map((r) => ({ queryKey: ['run', r.id], queryFn: () => getRun(r.id), refetchInterval: LIVE_REFRESH_MS })),
  });

  if (pending.isPending) return <p className="text-sm text-slate-500">Loading approvals…</p>;
  if (pending.isError) return <ErrorBanner title="Could not load the runs awaiting approval" message={pending.error.message} />;
  const runs = pending.data.runs;
  return (
    <div className="space-y-5" data-testid="approvals-inbox">
      <div>
        <h1 className="text-lg font-semibold">Approvals</h1>
        <p className="text-sm text-slate-600">
          {runs.length === 0 ? 'No run is waiting for a decision in your projects.' : `${runs.length} run${runs.length > 1 ? 's' : ''} waiting for a decision, oldest first.`} A run&apos;s submitter may never decide on it.
        </p>
      </div>
      {[...runs].reverse().map((summary) => {
        const run = details.find((d) => d.data?.id === summary.id)?.data;
        return (
          <section key={summary.id} data-testid="approval-item" data-run-id={summary.id} className="space-y-3 rounded-lg border border-violet-200 bg-violet-50/40 p-3">
            <header className="flex flex-wrap items-baseline gap-x-3 text-sm">
              <Link href={`/runs/${encodeURIComponent(summary.id)}`} className="font-semibold text-emerald-800 hover:underline">
                {summary.name}
              </Link>
              <span className="font-mono text-xs text-slate-500">{summary.id}</span>
              <span className="text-slate-600">project {summary.project}</span>
              <span className="text-slate-600">submitted by {summary.submittedBy ?? 'unknown'}</span>
              <span className="text-slate-500">{formatRelative(summary.createdAt)}</span>
            </header>
            {run ? <StagePanelsList run={run} only={EVIDENCE} /> : <p className="text-sm text-slate-500">Loading the evidence…</p>}
          </section>
        );
      })}
    </div>
  );
}
