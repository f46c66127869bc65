import { Stat } from '@/components/ui';
import { formatBytes, formatCount } from '@/lib/client/format';
import { GenericMetricsPanel } from './generic-metrics-panel';
import type { StagePanelProps } from './types';

/** The merged model: size, precision, and the base tokenizer files carried over unchanged. */
export function MergePanel(props: StagePanelProps<'merge'>) {
  const { report } = props;
  if (!report) return <GenericMetricsPanel {...props} />;
  return (
    <dl data-testid="merge-panel" className="grid grid-cols-2 gap-x-6 gap-y-3 px-4 py-3 sm:grid-cols-4">
      <Stat label="Parameters" value={formatCount(report.parameters)} />
      <Stat label="Precision" value={report.dtype} />
      <Stat label="Size" value={formatBytes(report.bytes)} />
      <Stat label="Tokenizer files" value={report.tokenizerFiles.join(', ') || '—'} hint="copied byte for byte from the base model" wrap />
    </dl>
  );
}
