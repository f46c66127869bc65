import Link from 'next/link';
import type { RunDetail } from '@refinery/core';
import { StatusBadge } from '@/components/status-badge';
import { Stat } from '@/components/ui';
import { elapsedMs, formatDuration, formatTimestamp } from '@/lib/client/format';
import { isTerminalRunStatus, slotName } from '@refinery/core/workflow-safe';
import { CancelButton } from './cancel-button';

/** The run's trace id, linked to the tracing UI when the server has REFINERY_TRACE_URL_TEMPLATE. */
function TraceId({ run }: { run: RunDetail }) {
  if (!run.traceUrl) return <span data-testid="run-trace-id">{run.traceId}</span>;
  return (
    <a href={run.traceUrl} target="_blank" rel="noreferrer" className="text-emerald-800 underline" data-testid="run-trace-id">
      {run.traceId}
    </a>
  );
}

/** Name, status, timings and (when it failed) the error, with Cancel while the run is live. */
export function RunHeader({ run, now }: { run: RunDetail; now: number }) {
  const description = typeof run.spec.description === 'string' ? run.spec.description : null;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-start gap-3">
        <div className="min-w-0">
          <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{run.project}</p>
          <h1 className="flex flex-wrap items-center gap-3 text-xl font-semibold tracking-tight">
            <span data-testid="run-name">{run.name}</span>
            <StatusBadge status={run.status} testId="run-status" />
          </h1>
          {description && <p className="mt-1 text-sm text-slate-600">{description}</p>}
        </div>
        <div className="ml-auto flex items-center gap-3">
          <Link href={`/lineage?node=${encodeURIComponent(run.id)}`} className="text-sm text-emerald-800 underline" data-testid="run-lineage-link">
            Lineage
          </Link>
          {/* The run's OpenLineage events as JSON Lines (docs/lineage.md), for Marquez or another consumer. */}
          <a
            href={`/api/v1/openlineage/events?project=${encodeURIComponent(run.project)}&run=${encodeURIComponent(run.id)}`}
            download={`openlineage-${run.project}-${run.id}.jsonl`}
            className="text-sm text-emerald-800 underline"
            data-testid="run-openlineage-link"
            title="OpenLineage 2-0-2 RunEvents of this run and its stages (JSON Lines)"
          >
            OpenLineage
          </a>
          {!isTerminalRunStatus(run.status) && <CancelButton runId={run.id} project={run.project} />}
        </div>
      </div>
      <dl className="grid grid-cols-2 gap-x-6 gap-y-2 rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-sm sm:grid-cols-3 lg:grid-cols-6">
        <Stat label="Run id" wrap value={<span data-testid="run-id">{run.id}</span>} />
        <Stat label="Current stage" value={run.currentStage ?? '—'} />
        <Stat label="Created" value={formatTimestamp(run.createdAt)} />
        <Stat label="Started" value={formatTimestamp(run.startedAt)} />
        <Stat label="Finished" value={formatTimestamp(run.finishedAt)} />
        <Stat label="Duration" value={formatDuration(elapsedMs(run.startedAt, run.finishedAt, now))} />
        {run.traceId && <Stat label="Trace" wrap hint="OpenTelemetry trace of the submit request, the workflow, every stage and the trainer" value={<TraceId run={run} />} />}
      </dl>
      {run.queue && (
        <div role="status" data-testid="run-queue" className="rounded-md border border-slate-200 bg-slate-50 px-4 py-3 text-sm text-slate-700">
          <span className="font-semibold">
            Queued #{run.queue.position} for {slotName(run.queue.resource)}:{' '}
          </span>
          {run.queue.reason}. Waiting since {formatTimestamp(run.queue.since)}; runs go ahead highest priority first, then in order of arrival.{' '}
          <Link href={`/projects/${encodeURIComponent(run.project)}/queue`} className="text-emerald-800 underline" data-testid="run-queue-link">
            The project&apos;s queue
          </Link>
        </div>
      )}
      {run.error && (
        <div role="alert" data-testid="run-error" className="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          <span className="font-semibold">Run {run.status}: </span>
          <span className="whitespace-pre-wrap break-words">{run.error}</span>
        </div>
      )}
    </div>
  );
}
