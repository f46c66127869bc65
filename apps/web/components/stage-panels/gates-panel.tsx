import { GenericMetricsPanel } from './generic-metrics-panel';
import type { StagePanelProps } from './types';

const num = (v: number | null) => (v == null ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(4));

/** Each gate with the numbers it was judged on, and the verdict. */
export function GatesPanel(props: StagePanelProps<'gates'>) {
  const { report } = props;
  if (!report) return <GenericMetricsPanel {...props} />;
  return (
    <div data-testid="gates-panel" data-passed={report.passed} className="space-y-2 px-4 py-3">
      <p className={`text-sm font-medium ${report.passed ? 'text-emerald-700' : 'text-red-700'}`}>
        {report.passed ? 'Every gate passed' : report.onFail === 'review' ? 'A gate failed: the reviewers decide (onFail: review)' : 'A gate failed: the run is rejected'}
      </p>
      <table className="data-table max-w-4xl">
        <thead>
          <tr>
            <th scope="col">Gate</th>
            <th scope="col" className="text-right">Value</th>
            <th scope="col" className="text-right">Reference</th>
            <th scope="col" className="text-right">Δ</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {report.results.map((g) => (
            <tr key={g.gate} data-testid="gate-row" data-passed={String(g.passed)}>
              <td className="font-mono text-xs">{g.gate}</td>
              <td className="text-right font-mono text-xs">{num(g.value)}</td>
              <td className="text-right font-mono text-xs">{num(g.reference)}</td>
              <td className="text-right font-mono text-xs">{num(g.delta)}</td>
              <td className={`text-xs ${g.passed === null ? 'text-slate-500' : g.passed ? 'text-emerald-700' : 'text-red-700'}`}>
                {g.passed === null ? 'skipped' : g.passed ? 'pass' : 'fail'}
                {g.note && <span className="ml-1 text-slate-500">({g.note})</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
