import type { RunStatus, StageStatus } from '@refinery/core';
import { statusLabel, toneOf, TONE_CLASSES } from '@/lib/client/run-status';

interface StatusBadgeProps {
  status: RunStatus | StageStatus;
  testId?: string;
}

/** A coloured pill for a run or stage status; `data-status` lets tests read the raw value. */
export function StatusBadge({ status, testId }: StatusBadgeProps) {
  const tone = toneOf(status);
  const live = tone === 'active';
  return (
    <span
      data-testid={testId}
      data-status={status}
      className={`inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONE_CLASSES[tone].badge}`}
    >
      <span aria-hidden className={`h-1.5 w-1.5 rounded-full bg-current ${live ? 'animate-pulse' : ''}`} />
      {statusLabel(status)}
    </span>
  );
}
