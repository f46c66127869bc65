import type { StagePanelProps } from './types';

/** Fallback for stages without a dedicated panel: their metrics as formatted JSON. */
export function GenericMetricsPanel({ stage }: StagePanelProps) {
  if (!stage.metrics || Object.keys(stage.metrics).length === 0) {
    return <p className="px-4 py-3 text-sm text-slate-500">This stage reported no metrics{stage.status === 'running' ? ' yet' : ''}.</p>;
  }
  return (
    <pre className="max-h-96 overflow-auto bg-slate-50 px-4 py-3 font-mono text-xs text-slate-800">{JSON.stringify(stage.metrics, null, 2)}</pre>
  );
}
