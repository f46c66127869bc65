import type { IngestReport, LineError } from '@refinery/core';
import { Stat } from '@/components/ui';
import { formatBytes, formatCount, shortSha } from '@/lib/client/format';
import { GenericMetricsPanel } from './generic-metrics-panel';
import type { StagePanelProps } from './types';

/** The ingest report: dataset stats, role mix, and the per-line validation errors. */
export function IngestPanel(props: StagePanelProps<'ingest'>) {
  const { report } = props;
  if (!report) return <GenericMetricsPanel {...props} />;
  return (
    <div data-testid="ingest-panel" className="space-y-4 px-4 py-3">
      <IngestStats report={report} />
      {Object.keys(report.roleCounts).length > 0 && <RoleCounts counts={report.roleCounts} />}
      {report.errorCount > 0 && <IngestErrors report={report} />}
    </div>
  );
}

function IngestStats({ report }: { report: IngestReport }) {
  return (
    <dl className="grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-4 lg:grid-cols-8">
      <Stat label="Format" value={report.format} />
      <Stat label="Records" value={formatCount(report.records)} />
      <Stat label="Size" value={formatBytes(report.bytes)} hint={`${formatCount(report.bytes)} bytes`} />
      <Stat label="Characters" value={formatCount(report.characters)} />
      <Stat label="Est. tokens" value={formatCount(report.estimatedTokens)} hint="estimated from character counts" />
      <Stat
        label="Longest record"
        value={report.longestRecord ? `${formatCount(report.longestRecord.characters)} ch` : '—'}
        hint={report.longestRecord ? `line ${report.longestRecord.line}` : undefined}
      />
      <Stat label="Errors" value={<span className={report.errorCount ? 'text-red-700' : ''}>{formatCount(report.errorCount)}</span>} />
      <Stat label="sha256" value={report.sha256 ? shortSha(report.sha256) : '—'} hint={report.sha256} />
    </dl>
  );
}

/** Message counts by role as horizontal bars (chat datasets). */
function RoleCounts({ counts }: { counts: Record<string, number> }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const max = Math.max(...entries.map(([, n]) => n), 1);
  return (
    <div>
      <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">Messages by role</h3>
      <ul className="max-w-xl space-y-1" data-testid="ingest-role-counts">
        {entries.map(([role, n]) => (
          <li key={role} className="grid grid-cols-[7rem_1fr_5rem] items-center gap-2 text-sm">
            <span className="font-mono text-xs text-slate-700">{role}</span>
            <span className="h-2 rounded bg-slate-100">
              <span className="block h-2 rounded bg-emerald-500" style={{ width: `${(n / max) * 100}%` }} />
            </span>
            <span className="text-right font-mono text-xs text-slate-600">{formatCount(n)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function IngestErrors({ report }: { report: IngestReport }) {
  const hidden = report.errorCount - report.errors.length;
  return (
    <div className="space-y-2">
      <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Dataset errors</h3>
      <ul className="flex flex-wrap gap-2 text-xs">
        {Object.entries(report.errorsByReason)
          .sort((a, b) => b[1] - a[1])
          .map(([reason, n]) => (
            <li key={reason} className="rounded bg-red-50 px-2 py-0.5 text-red-800 ring-1 ring-inset ring-red-200">
              {reason}: <span className="font-mono">{formatCount(n)}</span>
            </li>
          ))}
      </ul>
      <div className="max-h-96 overflow-auto rounded border border-slate-200">
        <table className="data-table" data-testid="ingest-errors">
          <thead className="sticky top-0">
            <tr>
              <th scope="col" className="w-20 text-right">
                Line
              </th>
              <th scope="col" className="w-48">
                Field
              </th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {report.errors.map((e: LineError, i) => (
              <tr key={`${e.line}:${e.field}:${i}`} data-testid="ingest-error-row">
                <td className="text-right font-mono text-xs" title={e.line === 0 ? 'about the whole file' : undefined}>{e.line || '–'}</td>
                <td className="font-mono text-xs">{e.field || '—'}</td>
                <td className="text-slate-700">{e.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {(report.errorsTruncated || hidden > 0) && (
        <p className="text-xs text-slate-500" data-testid="ingest-errors-truncated">
          {formatCount(Math.max(hidden, 0))} more errors not shown (the report keeps the first {formatCount(report.errors.length)}).
        </p>
      )}
    </div>
  );
}
