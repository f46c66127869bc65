'use client';

import Link from 'next/link';
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { RunStatus } from '@refinery/core';
import { formatCost, formatHours } from '@refinery/core/workflow-safe';
import { StatusBadge } from '@/components/status-badge';
import { Card, EmptyState, ErrorBanner, ProjectPageHeader, fieldClasses } from '@/components/ui';
import { ApiRequestError, getProjectUsage, listUsagePrices } from '@/lib/client/api';
import { formatTimestamp } from '@/lib/client/format';

/** A project's usage page: CPU-hours, GPU-hours and cost per run over a date window, the totals and the prices. */
export function ProjectUsageView({ project }: { project: string }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const usage = useQuery({
    queryKey: ['usage', project, from, to],
    queryFn: () => getProjectUsage(project, { from, to }),
    retry: (count, err) => !(err instanceof ApiRequestError && (err.status === 404 || err.status === 400)) && count < 1,
  });
  const prices = useQuery({ queryKey: ['usage-prices'], queryFn: listUsagePrices });
  const u = usage.data;

  return (
    <div className="space-y-4" data-testid="project-usage">
      <ProjectPageHeader project={project} title="Usage and cost">
        Stage attempts started in the window, measured by the workers that ran them, at the prices in effect when each was recorded.
      </ProjectPageHeader>
      <form className="flex flex-wrap items-end gap-3 text-sm" onSubmit={(e) => e.preventDefault()}>
        <label className="flex flex-col gap-1">
          <span className="text-xs font-medium text-slate-600">From (UTC, inclusive)</span>
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} className={fieldClasses.input} data-testid="usage-from" />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-xs font-medium text-slate-600">To (UTC, exclusive)</span>
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} className={fieldClasses.input} data-testid="usage-to" />
        </label>
      </form>
      {usage.isError && <ErrorBanner testId="usage-load-error" title={usage.error instanceof ApiRequestError && usage.error.status === 404 ? 'Project not found' : 'Could not load usage'} message={usage.error.message} />}
      {u && (
        <Card title={`Runs (${u.runs.length})`} testId="usage-runs">
          {u.runs.length === 0 ? (
            <EmptyState>No stage attempts in this window.</EmptyState>
          ) : (
            <div className="overflow-x-auto">
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    <th scope="col">Status</th>
                    <th scope="col">Submitted</th>
                    <th scope="col" className="text-right">CPU</th>
                    <th scope="col" className="text-right">GPU</th>
                    <th scope="col" className="text-right">Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {u.runs.map((r) => (
                    <tr key={r.runId} data-testid="usage-run-row" data-run-id={r.runId}>
                      <td>
                        <Link href={`/runs/${encodeURIComponent(r.runId)}`} className="font-medium text-emerald-700 hover:underline">
                          {r.name}
                        </Link>
                        {r.unmeasuredAttempts > 0 && <span className="ml-2 text-xs text-amber-700">{r.unmeasuredAttempts} unmeasured</span>}
                      </td>
                      <td>
                        <StatusBadge status={r.status as RunStatus} />
                      </td>
                      <td className="whitespace-nowrap text-xs text-slate-600">{formatTimestamp(r.createdAt)}</td>
                      <td className="text-right font-mono text-xs">{formatHours(r.cpuSeconds)}</td>
                      <td className="text-right font-mono text-xs">{formatHours(r.gpuSeconds)}</td>
                      <td className="text-right font-mono text-xs">{formatCost(r.cost)}</td>
                    </tr>
                  ))}
                  <tr className="font-semibold" data-testid="usage-totals">
                    <td colSpan={3}>Total ({u.totals.attempts} attempts{u.totals.unmeasuredAttempts ? `, ${u.totals.unmeasuredAttempts} unmeasured` : ''})</td>
                    <td className="text-right font-mono text-xs">{formatHours(u.totals.cpuSeconds)}</td>
                    <td className="text-right font-mono text-xs">{formatHours(u.totals.gpuSeconds)}</td>
                    <td className="text-right font-mono text-xs" data-testid="usage-total-cost">{formatCost(u.totals.cost)}</td>
                  </tr>
                </tbody>
              </table>
            </div>
          )}
        </Card>
      )}
      <Card title="Prices" testId="usage-prices">
        {prices.data ? (
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col" className="text-right">per GPU-hour</th>
                <th scope="col" className="text-right">per CPU-hour</th>
                <th scope="col">Set by</th>
              </tr>
            </thead>
            <tbody>
              {prices.data.map((p) => (
                <tr key={p.queue}>
                  <td className="font-mono text-xs">{p.queue === '*' ? '* (every other queue)' : p.queue}</td>
                  <td className="text-right font-mono text-xs">{p.gpuHourPrice}</td>
                  <td className="text-right font-mono text-xs">{p.cpuHourPrice}</td>
                  <td className="text-xs text-slate-600">
                    {p.updatedBy} · {formatTimestamp(p.updatedAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <EmptyState>{prices.isError ? prices.error.message : 'Loading prices…'}</EmptyState>
        )}
        <p className="px-4 py-2 text-xs text-slate-500">Instance admins change a queue&apos;s prices with PUT /api/v1/usage/prices/&#123;queue&#125;; attempts already recorded keep their price.</p>
      </Card>
    </div>
  );
}
