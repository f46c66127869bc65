import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type Stack } from '../src';

export const DEMO_SPEC = join(REPO_ROOT, 'examples/specs/demo.yaml');

/**
 * Seeds the demo: builds the tiny base model (once; the builder skips an up-to-date model)
 * and submits the demo run the first time the platform starts, under a fixed
 * Idempotency-Key so later starts never duplicate it.
 */
export async function seedDemo(stack: Stack, log: (line: string) => void): Promise<void> {
  const builder = join(REPO_ROOT, 'examples/build_tiny_model.py');
  if (existsSync(builder)) {
    log('building the demo base model examples/models/tiny-llama (first start only)...');
    const r = spawnSync(stack.env.REFINERY_PYTHON!, [builder, '--out', join(REPO_ROOT, 'examples/models/tiny-llama')], { stdio: 'inherit', cwd: REPO_ROOT });
    if (r.status !== 0) log(`the demo model could not be built (exit ${r.status}); training the demo will fail until it is`);
  }
  const res = await fetch(`${stack.urls.web}/api/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml', 'idempotency-key': 'demo-seed-v1' },
    body: readFileSync(DEMO_SPEC, 'utf8'),
  });
  const body = (await res.json()) as { id?: string; error?: { message: string } };
  if (res.status === 201) log(`submitted the demo run ${body.id}`);
  else if (res.ok) log(`demo run ${body.id} already exists`);
  else log(`could not submit the demo run: ${body.error?.message ?? res.status}`);
}
