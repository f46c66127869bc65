import { stringify } from 'yaml';
import { SPEC_SECTION_ORDER } from '@refinery/core/workflow-safe';
import { Card } from '@/components/ui';

// Postgres jsonb does not keep key order; show sections in the order a RunSpec is written.
function inWrittenOrder(spec: Record<string, unknown>): Record<string, unknown> {
  const rank = (key: string) => (SPEC_SECTION_ORDER.includes(key) ? SPEC_SECTION_ORDER.indexOf(key) : SPEC_SECTION_ORDER.length);
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
