'use client';

import { useQuery } from '@tanstack/react-query';
import { getHealth } from '@/lib/client/api';

const HEALTH_REFRESH_MS = 10_000;

/** Nav-bar dot for /api/v1/health; the tooltip lists each check's detail. */
export function HealthIndicator() {
  const { data, error, isPending } = useQuery({ queryKey: ['health'], queryFn: getHealth, refetchInterval: HEALTH_REFRESH_MS });

  let label: string;
  let dot: string;
  let detail: string;
  if (isPending) {
    [label, dot, detail] = ['checking…', 'bg-slate-400', 'asking /api/v1/health'];
  } else if (error || !data) {
    [label, dot, detail] = ['API unreachable', 'bg-red-500', error?.message ?? 'no response'];
  } else {
    const checks = Object.entries(data.checks);
    detail = checks.map(([name, c]) => `${c.ok ? '✓' : '✗'} ${name}: ${c.detail}`).join('\n');
    const failing = checks.filter(([, c]) => !c.ok).map(([name]) => name);
    [label, dot] = data.status === 'ok' ? ['healthy', 'bg-emerald-400'] : [`degraded: ${failing.join(', ')}`, 'bg-amber-400'];
  }

  return (
    <a
      href="/api/v1/health"
      title={detail}
      data-testid="health-indicator"
      data-health={isPending ? 'pending' : error ? 'unreachable' : data?.status}
      className="flex items-center gap-2 rounded px-2 py-1 text-xs text-slate-300 hover:bg-slate-800"
    >
      <span aria-hidden className={`h-2 w-2 rounded-full ${dot}`} />
      <span>{label}</span>
    </a>
  );
}
