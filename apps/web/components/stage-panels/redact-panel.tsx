import { Stat } from '@/components/ui';
import { formatCount, shortSha } from '@/lib/client/format';
import { GenericMetricsPanel } from './generic-metrics-panel';
import type { StagePanelProps } from './types';

/** Redaction: what was found and done per entity type, dropped records, the verification gate and its second opinion. */
export function RedactPanel(props: StagePanelProps<'redact'>) {
  const { report } = props;
  if (!report) return <GenericMetricsPanel {...props} />;
  const v = report.verification;
  const so = report.secondOpinion;
  return (
    <div data-testid="redact-panel" className="space-y-4 px-4 py-3">
      <dl className="grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-3 lg:grid-cols-6">
        <Stat label="Records read" value={formatCount(report.records.read)} />
        <Stat label="Changed" value={formatCount(report.records.changed)} />
        <Stat label="Dropped" value={<span className={report.records.dropped ? 'text-amber-700' : ''}>{formatCount(report.records.dropped)}</span>} />
        <Stat label="Written" value={formatCount(report.records.written)} />
        <Stat
          label="Verification"
          value={
            <span data-testid="redact-verification" data-clean={v.clean} className={v.clean ? 'text-emerald-700' : 'text-red-700'}>
              {v.clean ? 'clean' : `${formatCount(v.residualCount)} residual(s)`}
            </span>
          }
          hint={`${formatCount(v.recordsScanned)} records re-scanned with every detector`}
        />
        {so && (
          <Stat
            label="Second opinion"
            value={
              <span data-testid="redact-second-opinion" data-suspicions={so.suspicionCount} className={so.suspicionCount === 0 ? 'text-emerald-700' : so.onSuspicion === 'fail' ? 'text-red-700' : 'text-amber-700'}>
                {so.suspicionCount === 0 ? 'no suspicions' : `${formatCount(so.suspicionCount)} to review`}
              </span>
            }
            hint={`independent check (${so.method}), not the detectors; suspicions ${so.onSuspicion === 'fail' ? 'fail the run' : 'go to review'}`}
          />
        )}
        <Stat label="Policy" value={shortSha(report.policyHash)} hint={`policy sha256 ${report.policyHash}`} />
      </dl>

      <div>
        <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">Found and redacted</h3>
        <table className="data-table max-w-3xl" data-testid="redact-entities">
          <thead>
            <tr>
              <th scope="col">Entity</th>
              <th scope="col">Action</th>
              <th scope="col">Field</th>
              <th scope="col" className="text-right">Count</th>
            </tr>
          </thead>
          <tbody>
            {report.entities.map((e) => (
              <tr key={`${e.type}/${e.action}/${e.field}`}>
                <td className="font-mono text-xs">{e.type}</td>
                <td className="text-xs">{e.action}</td>
                <td className="font-mono text-xs text-slate-600">{e.field}</td>
                <td className="text-right font-mono text-xs">{formatCount(e.count)}</td>
              </tr>
            ))}
            {report.entities.length === 0 && (
              <tr>
                <td colSpan={4} className="text-xs text-slate-500">
                  nothing found
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>

      {Object.keys(report.droppedByType).length > 0 && (
        <p className="text-sm text-amber-800">
          Dropped records by cause:{' '}
          {Object.entries(report.droppedByType)
            .map(([t, n]) => `${t} ${formatCount(n)}`)
            .join(', ')}
        </p>
      )}

      {!v.clean && (
        <div className="space-y-2">
          <h3 className="text-xs font-semibold uppercase tracking-wide text-red-700">Unredacted values found by verification (types and lines only)</h3>
          <ul className="flex flex-wrap gap-2 text-xs">
            {Object.entries(v.residualsByType).map(([t, n]) => (
              <li key={t} className="rounded bg-red-50 px-2 py-0.5 text-red-800 ring-1 ring-inset ring-red-200">
                {t}: <span className="font-mono">{formatCount(n)}</span>
              </li>
            ))}
          </ul>
          <div className="max-h-72 overflow-auto rounded border border-slate-200">
            <table className="data-table" data-testid="redact-residuals">
              <thead className="sticky top-0">
                <tr>
                  <th scope="col" className="w-20 text-right">Line</th>
                  <th scope="col">Type</th>
                  <th scope="col">Field</th>
                </tr>
              </thead>
              <tbody>
                {v.residuals.map((r, i) => (
                  <tr key={i}>
                    <td className="text-right font-mono text-xs">{r.line}</td>
                    <td className="font-mono text-xs">{r.type}</td>
                    <td className="font-mono text-xs text-slate-600">{r.field}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {v.residualsTruncated && <p className="text-xs text-slate-500">{formatCount(v.residualCount - v.residuals.length)} more not shown</p>}
        </div>
      )}

      {so && so.suspicionCount > 0 && (
        <div className="space-y-2 rounded border border-amber-300 bg-amber-50/50 p-3" data-testid="redact-suspicions">
          <h3 className="text-xs font-semibold uppercase tracking-wide text-amber-800">
            Suspected PII the detectors did not find — second opinion, {so.onSuspicion === 'fail' ? 'run failed' : 'please review these lines'} (types and lines only)
          </h3>
          <ul className="flex flex-wrap gap-2 text-xs">
            {Object.entries(so.suspicionsByType).map(([t, n]) => (
              <li key={t} className="rounded bg-amber-100 px-2 py-0.5 text-amber-900 ring-1 ring-inset ring-amber-300">
                {t}: <span className="font-mono">{formatCount(n)}</span>
              </li>
            ))}
          </ul>
          <div className="max-h-72 overflow-auto rounded border border-slate-200 bg-white">
            <table className="data-table">
              <thead className="sticky top-0">
                <tr>
                  <th scope="col" className="w-20 text-right">Line</th>
                  <th scope="col">Suspected type</th>
                  <th scope="col">Field</th>
                </tr>
              </thead>
              <tbody>
                {so.suspicions.map((s, i) => (
                  <tr key={i}>
                    <td className="text-right font-mono text-xs">{s.line}</td>
                    <td className="font-mono text-xs">{s.type}</td>
                    <td className="font-mono text-xs text-slate-600">{s.field}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {so.suspicionsTruncated && <p className="text-xs text-slate-500">{formatCount(so.suspicionCount - so.suspicions.length)} more not shown</p>}
          <p className="text-xs text-slate-600">
            The second opinion reads capitalisation statistics and shapes, not the detectors&apos; lists: it also flags places, products and firms. Redact what is personal with a
            denyList or custom pattern and run again.
          </p>
        </div>
      )}

      <p className="text-xs text-slate-500">
        Detectors: {Object.entries(report.detectorVersions).map(([d, ver]) => `${d} ${ver}`).join(' · ')}
      </p>
    </div>
  );
}
