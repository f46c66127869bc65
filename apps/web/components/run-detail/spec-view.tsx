import { stringify } from 'yaml';
import { Card } from '@/components/ui';

/** The RunSpec the run was submitted with, as YAML. */
export function SpecView({ spec }: { spec: Record<string, unknown> }) {
  return (
    <Card title="RunSpec">
      <pre data-testid="run-spec" className="max-h-[32rem] overflow-auto bg-slate-50 px-4 py-3 font-mono text-xs leading-5 text-slate-800">
        {stringify(spec)}
      </pre>
    </Card>
  );
}
