/**
 * The vocabulary every room shares: run and stage states, stage names, task queues.
 * Dependency-free, so workflow code (a deterministic sandbox) can import it as
 * '@refinery/core/workflow-safe'.
 */

export const RUN_STATUSES = [
  'queued', // accepted, workflow not yet picked up
  'running',
  'awaiting_approval', // durable human wait (approval stage)
  'succeeded',
  'failed',
  'rejected', // a reviewer said no
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'rejected', 'cancelled'];
export const isTerminalRunStatus = (s: string): boolean => (TERMINAL_RUN_STATUSES as readonly string[]).includes(s);

export const STAGE_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

/** Pipeline order. Stages that have not landed yet are listed in PLANNED_STAGES. */
export const STAGES = ['ingest', 'redact', 'split', 'train'] as const;
export type StageName = (typeof STAGES)[number];
export const PLANNED_STAGES = ['merge_quantize', 'evaluate', 'gates', 'approval', 'promote'] as const;

export const TASK_QUEUES = {
  pipeline: 'refinery-pipeline',
  gpu: (pool: string) => `refinery-gpu-${pool}`,
} as const;

export const WORKFLOW_TYPES = { fineTuneRun: 'fineTuneRun' } as const;
