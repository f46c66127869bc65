import Link from 'next/link';
import type { RunDetail } from '@refinery/core';
import { CPU_MEASURES, formatCost, type CpuMeasure } from '@refinery/core/workflow-safe';
import { Card, EmptyState } from '@/components/ui';

const seconds = (s: number | null | undefined) => (s == null ? '—' : s.toFixed(s < 10 ? 2 : 1));
const price = (p: number | null | undefined) => (p == null ? '—' : String(p));

/** What each stage attempt of the run used and cost (measured by its worker), and the run's totals. */
export function UsageCard({ run }: { run: RunDetail }) {
  const rows = run.stages;
  const t = run.usage;
  return (
    <Card
      title="Usage and cost"
      testId="run-usage"
      actions={
        <Link href={`/projects/${encodeURIComponent(run.project)}/usage`} className="text-xs font-medium text-emerald-700 hover:underline">
          Project usage
        </Link>
      }
    >
      {rows.length === 0 ? (
        <EmptyState>No stage has run yet.</EmptyState>
      ) : (
        <div className="overflow-x-auto">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col">Queue</th>
                <th scope="col" className="text-right">Wall s</th>
                <th scope="col" className="text-right">CPU s</th>
                <th scope="col" className="text-right">GPUs</th>
                <th scope="col" className="text-right">GPU s</th>
                <th scope="col" className="text-right">Price GPU-h / CPU-h</th>
                <th scope="col" className="text-right">Cost</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => {
                const u = s.usage;
                return (
                  <tr key={`${s.stage}-${s.attempt}`} data-testid="usage-row" data-stage={s.stage}>
                    <td className="font-medium">
                      {s.stage}
                      {s.attempt > 1 && <span className="ml-1 text-xs text-slate-500">#{s.attempt}</span>}
                    </td>
                    {u ? (
                      <>
                        <td className="font-mono text-xs">{u.queue}</td>
                        <td className="text-right font-mono text-xs">{seconds(u.wallSeconds)}</td>
                        <td className="text-right font-mono text-xs" title={u.cpuMeasure ? CPU_MEASURES[u.cpuMeasure as CpuMeasure] : 'not measured: the trainer did not report before it stopped'}>
                          {seconds(u.cpuSeconds)}
                          {u.cpuMeasure === 'worker-share' && <span className="text-slate-400"> ≈</span>}
                        </td>
                        <td className="text-right font-mono text-xs" title={u.gpus === 0 && u.queue?.startsWith('refinery-gpu-') ? 'a CPU-only host: no GPU held' : undefined}>
                          {u.gpus ?? '—'}
                        </td>
                        <td className="text-right font-mono text-xs">{seconds(u.gpuSeconds)}</td>
                        <td className="text-right font-mono text-xs">
                          {price(u.gpuHourPrice)} / {price(u.cpuHourPrice)}
                        </td>
                        <td className="text-right font-mono text-xs" data-testid="usage-cost">{u.cost == null ? '—' : formatCost(u.cost)}</td>
                      </>
                    ) : (
                      <td colSpan={7} className="text-xs text-slate-500">
                        {s.status === 'running' ? 'measured when the attempt ends' : 'not measured: its worker stopped before reporting'}
                      </td>
                    )}
                  </tr>
                );
              })}
              <tr className="font-semibold" data-testid="usage-total">
                <td>Total</td>
                <td />
                <td />
                <td className="text-right font-mono text-xs">{seconds(t.cpuSeconds)}</td>
                <td />
                <td className="text-right font-mono text-xs">{seconds(t.gpuSeconds)}</td>
                <td />
                <td className="text-right font-mono text-xs" data-testid="usage-total-cost">{formatCost(t.cost)}</td>
              </tr>
            </tbody>
          </table>
          <p className="px-4 py-2 text-xs text-slate-500">
            GPU-seconds are an attempt&apos;s wall time × the GPUs it held (0 on a CPU-only host). CPU: the trainer&apos;s own for GPU stages; ≈ the pipeline worker&apos;s CPU shared between
            concurrent attempts. Prices are those in effect when each attempt was recorded.
            {t.unmeasuredAttempts > 0 && ` ${t.unmeasuredAttempts} attempt(s) unmeasured: the totals leave them out.`}
          </p>
        </div>
      )}
    </Card>
  );
}
