import { STATUS_TONES, type RunStatus, type StageStatus, type StatusTone } from '@refinery/core/workflow-safe';

/** How statuses look on the dashboard: core gives each status its tone, this its colours. */
export const statusLabel = (status: RunStatus | StageStatus) => status.replace(/_/g, ' ');

export const TONE_CLASSES: Record<StatusTone, { badge: string; bar: string }> = {
  neutral: { badge: 'bg-slate-100 text-slate-700 ring-slate-300', bar: 'bg-slate-300' },
  active: { badge: 'bg-blue-50 text-blue-700 ring-blue-300', bar: 'bg-blue-500 animate-pulse' },
  waiting: { badge: 'bg-amber-50 text-amber-800 ring-amber-300', bar: 'bg-amber-400' },
  success: { badge: 'bg-emerald-50 text-emerald-700 ring-emerald-300', bar: 'bg-emerald-500' },
  danger: { badge: 'bg-red-50 text-red-700 ring-red-300', bar: 'bg-red-500' },
  muted: { badge: 'bg-slate-100 text-slate-500 ring-slate-300', bar: 'bg-slate-400' },
};

export const toneOf = (status: RunStatus | StageStatus): StatusTone => STATUS_TONES[status] ?? 'neutral';

/** Polling interval for live views: fast while something moves, off once it is final. */
export const LIVE_REFRESH_MS = 1500;
