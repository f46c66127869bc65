import { stringify } from 'yaml';
import { Card } from '@/components/ui';

// Postgres jsonb does not keep key order; show sections in the order a RunSpec is written.
const SECTION_ORDER = ['apiVersion', 'kind', 'project', 'name', 'description', 'baseModel', 'dataset', 'redaction', 'split', 'training', 'quantization', 'evaluation', 'approval', 'promotion'];

function inWrittenOrder(spec: Record<string, unknown>): Record<string, unknown> {
  const rank = (key: string) => (SECTION_ORDER.includes(key) ? SECTION_ORDER.indexOf(key) : SECTION_ORDER.length);
  return Object.fromEntries(Object.entries(spec).sort(([a], [b]) => rank(a) - rank(b)));
}

/** The RunSpec the run was submitted with, as YAML. */
export function SpecView({ spec }: { spec: Record<string, unknown> }) {
  return (
    <Card title="RunSpec">
      <pre data-testid="run-spec" className="max-h-[32rem] overflow-auto bg-slate-50 px-4 py-3 font-mono text-xs leading-5 text-slate-800">
        {stringify(inWrittenOrder(spec))}
      </pre>
    </Card>
  );
}
