import Link from 'next/link';
import type { RunDetail } from '@refinery/core';
import { StatusBadge } from '@/components/status-badge';
import { Card, EmptyState } from '@/components/ui';
import { elapsedMs, formatDuration, formatTimestamp } from '@/lib/client/format';
import { toneOf, TONE_CLASSES } from '@/lib/client/run-status';

/**
 * Every stage execution in start order (retries appear as extra attempts), with a bar showing
 * when it ran within the run's lifetime.
 */
export function StageTimeline({ run, now }: { run: RunDetail; now: number }) {
  const stages = [...run.stages].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.attempt - b.attempt);
  const origin = Date.parse(run.startedAt ?? stages[0]?.startedAt ?? run.createdAt);
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  const span = Math.max(end - origin, 1);

  return (
    <Card title="Stages" testId="stage-timeline">
      {stages.length === 0 ? (
        <EmptyState>{run.status === 'queued' ? 'Waiting for a worker to pick up the run…' : 'No stage has started.'}</EmptyState>
      ) : (
        <ol className="divide-y divide-slate-100">
          {stages.map((s) => {
            const duration = s.durationMs ?? elapsedMs(s.startedAt, s.finishedAt, now);
            const left = ((Date.parse(s.startedAt) - origin) / span) * 100;
            const width = Math.max(((duration ?? 0) / span) * 100, 0.75);
            return (
              <li key={`${s.stage}#${s.attempt}`} data-testid="stage-row" data-stage={s.stage} data-status={s.status} className="grid grid-cols-1 gap-2 px-4 py-2.5 md:grid-cols-[12rem_7rem_11rem_6rem_1fr] md:items-center">
                <div className="font-mono text-sm font-medium">
                  {s.stage}
                  {s.attempt > 1 && <span className="ml-1 text-xs font-normal text-slate-500">attempt {s.attempt}</span>}
                </div>
                <div>
                  <StatusBadge status={s.status} />
                </div>
                <div className="text-xs text-slate-600" title="started">
                  {formatTimestamp(s.startedAt)}
                </div>
                <div className="font-mono text-xs text-slate-600" title="duration">
                  {formatDuration(duration)}
                </div>
                <div className="relative h-2 rounded bg-slate-100" aria-hidden>
                  <div className={`absolute h-2 rounded ${TONE_CLASSES[toneOf(s.status)].bar}`} style={{ left: `${Math.min(left, 99)}%`, width: `${Math.min(width, 100 - Math.min(left, 99))}%` }} />
                </div>
                {s.reusedFromRunId && (
                  <p data-testid="stage-reused" className="text-xs text-slate-600 md:col-span-5">
                    reused from run{' '}
                    <Link href={`/runs/${s.reusedFromRunId}`} className="font-mono text-sky-700 hover:underline">
                      {s.reusedFromRunId}
                    </Link>{' '}
                    (step cache: same inputs, settings and stage version)
                  </p>
                )}
                {s.error && (
                  <p role="alert" data-testid="stage-error" className="whitespace-pre-wrap break-words text-sm text-red-700 md:col-span-5">
                    {s.error}
                  </p>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </Card>
  );
}
