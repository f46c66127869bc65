import { Stat } from '@/components/ui';
import type { StagePanelProps } from './types';

const isScalar = (v: unknown): v is string | number | boolean | null => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const showScalar = (v: string | number | boolean | null) => (v === null ? '—' : typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(5) : String(v));

/** Fallback for stages without a dedicated panel: scalar metrics as stats, the rest as JSON. */
export function GenericMetricsPanel({ stage }: StagePanelProps) {
  const entries = Object.entries(stage.metrics ?? {});
  if (entries.length === 0) {
    return <p className="px-4 py-3 text-sm text-slate-500">This stage reported no metrics{stage.status === 'running' ? ' yet' : ''}.</p>;
  }
  const scalars = entries.filter(([, v]) => isScalar(v)) as [string, string | number | boolean | null][];
  const nested = entries.filter(([, v]) => !isScalar(v));
  return (
    <div className="space-y-3 px-4 py-3">
      {scalars.length > 0 && (
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-4 lg:grid-cols-8">
          {scalars.map(([key, value]) => (
            <Stat key={key} label={key} value={showScalar(value)} />
          ))}
        </dl>
      )}
      {nested.length > 0 && (
        <pre className="max-h-96 overflow-auto rounded bg-slate-50 px-3 py-2 font-mono text-xs text-slate-800">{JSON.stringify(Object.fromEntries(nested), null, 2)}</pre>
      )}
    </div>
  );
}
