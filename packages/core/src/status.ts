/**
 * The vocabulary every room shares: run and stage states, task queues. The only place these
 * lists are written (the database's queries and the dashboard's views key off them).
 * Dependency-free, exported through '@refinery/core/workflow-safe'.
 */

export const RUN_STATUSES = [
  'queued', // accepted, workflow not yet picked up
  'running',
  'awaiting_approval', // durable human wait (approval stage)
  'succeeded',
  'failed',
  'rejected', // a gate or a reviewer said no
  'expired', // nobody decided before the approval timeout
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'rejected', 'expired', 'cancelled'];
export const isTerminalRunStatus = (s: string): boolean => (TERMINAL_RUN_STATUSES as readonly string[]).includes(s);

export const STAGE_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

export const TASK_QUEUES = {
  pipeline: 'refinery-pipeline',
  gpu: (pool: string) => `refinery-gpu-${pool}`,
} as const;

export const WORKFLOW_TYPES = { fineTuneRun: 'fineTuneRun' } as const;

/**
 * What each status means to someone looking at it; the dashboard and the CLI each turn a tone
 * into their own colours, so a new status is given its meaning once, here.
 */
export type StatusTone = 'neutral' | 'active' | 'waiting' | 'success' | 'danger' | 'muted';

export const STATUS_TONES: Record<RunStatus | StageStatus, StatusTone> = {
  queued: 'neutral',
  running: 'active',
  awaiting_approval: 'waiting',
  succeeded: 'success',
  failed: 'danger',
  rejected: 'danger',
  expired: 'muted',
  cancelled: 'muted',
};
