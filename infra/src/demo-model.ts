import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './toolchain';

export const DEMO_MODEL_DIR = join(REPO_ROOT, 'examples/models/tiny-llama');

/**
 * Builds the tiny demo base model (examples/build_tiny_model.py) unless an up-to-date build
 * is already there (the builder checks its own stamp). About a minute on first use.
 */
export function ensureDemoModel(python: string, log: (line: string) => void): void {
  const r = spawnSync(python, [join(REPO_ROOT, 'examples/build_tiny_model.py'), '--out', DEMO_MODEL_DIR], { cwd: REPO_ROOT, encoding: 'utf8' });
  for (const line of `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter(Boolean)) log(line);
  if (r.status !== 0) throw new Error(`building the demo model failed (exit ${r.status}); see the lines above`);
}
