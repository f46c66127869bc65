import { Stat } from '@/components/ui';
import { formatCount } from '@/lib/client/format';
import { GenericMetricsPanel } from './generic-metrics-panel';
import type { StagePanelProps } from './types';

/** The held-out split: how many records went each way, and what decides it. */
export function SplitPanel(props: StagePanelProps<'split'>) {
  const { report } = props;
  if (!report) return <GenericMetricsPanel {...props} />;
  return (
    <dl data-testid="split-panel" className="grid grid-cols-2 gap-x-6 gap-y-3 px-4 py-3 sm:grid-cols-4">
      <Stat label="Train records" value={formatCount(report.trainRecords)} />
      <Stat label="Eval records" value={formatCount(report.evalRecords)} />
      <Stat label="Eval fraction" value={`${(report.eval * 100).toFixed(1)}%`} hint="a record goes to eval when sha256(seed, record) falls under this fraction" />
      <Stat label="Seed" value={String(report.seed)} />
    </dl>
  );
}
