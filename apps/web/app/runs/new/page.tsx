import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metadata } from 'next';
import { NewRunForm } from '@/components/spec-editor/new-run-form';

export const metadata: Metadata = { title: 'New run' };
// Read the demo spec per request so an edited examples/ file shows without a rebuild.
export const dynamic = 'force-dynamic';

const DEMO_SPEC_PATH = 'examples/specs/demo.yaml';

async function readDemoSpec(): Promise<string> {
  const base = process.env.REFINERY_BASE_DIR ?? process.cwd();
  try {
    return await readFile(join(base, DEMO_SPEC_PATH), 'utf8');
  } catch {
    // Without the example (e.g. a trimmed production image) start from the required fields.
    return ['apiVersion: refinery/v1', 'kind: FineTuneRun', 'project: ', 'name: ', 'baseModel: { uri: }', 'dataset: { uri: , format: chat }', ''].join('\n');
  }
}

export default async function NewRunPage() {
  const spec = await readDemoSpec();
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">New run</h1>
        <p className="text-sm text-slate-500">
          Edit the RunSpec below; it is checked as you type with the same rules the API applies on submit. Field reference:{' '}
          <a href="/docs#post-api-v1-runs" className="text-emerald-700 underline">
            POST /api/v1/runs
          </a>
          .
        </p>
      </div>
      <NewRunForm initialSpec={spec} />
    </div>
  );
}
