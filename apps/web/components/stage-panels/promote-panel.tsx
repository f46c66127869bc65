import Link from 'next/link';
import { GenericMetricsPanel } from './generic-metrics-panel';
import type { StagePanelProps } from './types';

/** The registry version the run became, and where the spec's alias points now. */
export function PromotePanel(props: StagePanelProps<'promote'>) {
  const { report, run } = props;
  if (!report) return <GenericMetricsPanel {...props} />;
  return (
    <div data-testid="promote-panel" className="px-4 py-3 text-sm">
      Registered as{' '}
      <Link className="font-mono text-emerald-800 underline" href={`/models/${encodeURIComponent(run.project)}/${encodeURIComponent(report.model)}`}>
        {report.model} v{report.version}
      </Link>
      ; <span className="font-mono">{report.alias}</span>{' '}
      {report.moved ? (report.previousVersion === null ? 'now points at it' : `moved from v${report.previousVersion} to it`) : 'already pointed at it'}.
    </div>
  );
}
