import type { RunStatus, StageStatus } from '@refinery/core';

/**
 * How each status looks and whether it is final. Keyed by the core types, so a status added
 * in packages/core fails the type check here until it gets a presentation. (Runtime values of
 * @refinery/core are not imported: its index also loads server-only config code.)
 */
type Tone = 'neutral' | 'active' | 'waiting' | 'success' | 'danger' | 'muted';

export const RUN_STATUS_VIEW: Record<RunStatus, { label: string; tone: Tone; terminal: boolean }> = {
  queued: { label: 'queued', tone: 'neutral', terminal: false },
  running: { label: 'running', tone: 'active', terminal: false },
  awaiting_approval: { label: 'awaiting approval', tone: 'waiting', terminal: false },
  succeeded: { label: 'succeeded', tone: 'success', terminal: true },
  failed: { label: 'failed', tone: 'danger', terminal: true },
  rejected: { label: 'rejected', tone: 'danger', terminal: true },
  cancelled: { label: 'cancelled', tone: 'muted', terminal: true },
};

export const STAGE_STATUS_VIEW: Record<StageStatus, { label: string; tone: Tone }> = {
  running: { label: 'running', tone: 'active' },
  succeeded: { label: 'succeeded', tone: 'success' },
  failed: { label: 'failed', tone: 'danger' },
  cancelled: { label: 'cancelled', tone: 'muted' },
};

export const RUN_STATUS_OPTIONS = Object.keys(RUN_STATUS_VIEW) as RunStatus[];

export const isTerminal = (status: RunStatus) => RUN_STATUS_VIEW[status].terminal;

export const TONE_CLASSES: Record<Tone, string> = {
  neutral: 'bg-slate-100 text-slate-700 ring-slate-300',
  active: 'bg-blue-50 text-blue-700 ring-blue-300',
  waiting: 'bg-amber-50 text-amber-800 ring-amber-300',
  success: 'bg-emerald-50 text-emerald-700 ring-emerald-300',
  danger: 'bg-red-50 text-red-700 ring-red-300',
  muted: 'bg-slate-100 text-slate-500 ring-slate-300',
};

/** Polling interval for live views: fast while something moves, off once it is final. */
export const LIVE_REFRESH_MS = 1500;
