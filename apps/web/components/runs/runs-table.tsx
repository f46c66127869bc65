import Link from 'next/link';
import type { RunSummary } from '@refinery/core';
import { StatusBadge } from '@/components/status-badge';
import { elapsedMs, formatDuration, formatRelative, formatTimestamp } from '@/lib/client/format';

/** One row per run; the name links to the run page. `now` keeps running durations ticking. */
export function RunsTable({ runs, now }: { runs: RunSummary[]; now: number }) {
  return (
    <table className="data-table" data-testid="runs-table">
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Project</th>
          <th scope="col">Name</th>
          <th scope="col">Stage</th>
          <th scope="col">Created</th>
          <th scope="col" className="text-right">
            Duration
          </th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id} data-testid="run-row" data-run-id={run.id} data-status={run.status} className="hover:bg-slate-50">
            <td>
              <StatusBadge status={run.status} testId="run-row-status" />
              {run.queue && (
                <span className="ml-1.5 font-mono text-xs text-slate-600" title={run.queue.reason} data-testid="run-row-queue">
                  #{run.queue.position}
                </span>
              )}
            </td>
            <td className="text-slate-600">{run.project}</td>
            <td>
              <Link href={`/runs/${run.id}`} className="font-medium text-emerald-700 hover:underline">
                {run.name}
              </Link>
              <div className="font-mono text-xs text-slate-400">{run.id}</div>
              {run.error && (
                <div className="mt-0.5 line-clamp-1 max-w-md text-xs text-red-700" title={run.error}>
                  {run.error}
                </div>
              )}
            </td>
            <td className="font-mono text-xs text-slate-600">{run.currentStage ?? '—'}</td>
            <td className="whitespace-nowrap text-slate-600" title={formatTimestamp(run.createdAt)}>
              {formatRelative(run.createdAt, now)}
            </td>
            <td className="whitespace-nowrap text-right font-mono text-xs text-slate-600">
              {formatDuration(elapsedMs(run.startedAt, run.finishedAt, now))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
