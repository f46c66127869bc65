import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PROJECT, ensureDemoModel, REPO_ROOT, seedDemoAccounts, signIn, type DemoAccount, type Stack } from '../src';

const DEMO_SPEC = join(REPO_ROOT, 'examples/specs/demo.yaml');

/**
 * Seeds the demo: the demo project and one account per role, the tiny base model (built once;
 * the builder skips an up-to-date model), and the demo run, submitted by the ML engineer the
 * first time the platform starts under a fixed Idempotency-Key so later starts never duplicate it.
 */
export async function seedDemo(stack: Stack, dataDir: string, log: (line: string) => void): Promise<DemoAccount[]> {
  const accounts = await seedDemoAccounts(stack.env, dataDir);
  log('checking the demo base model examples/models/tiny-llama (built on first start)...');
  try {
    ensureDemoModel(stack.env.REFINERY_PYTHON!, log);
  } catch (err) {
    log(`${(err as Error).message}; the demo run will fail at submission until the model exists`);
  }
  const engineer = accounts.find((a) => a.role === 'ml_engineer')!;
  const cookie = await signIn(stack.urls.web, engineer.email, engineer.password);
  const res = await fetch(`${stack.urls.web}/api/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml', 'idempotency-key': 'demo-seed-v1', cookie, origin: stack.urls.web },
    body: readFileSync(DEMO_SPEC, 'utf8'),
  });
  const body = (await res.json()) as { id?: string; error?: { message: string } };
  if (res.status === 201) log(`submitted the demo run ${body.id}`);
  else if (res.ok) log(`demo run ${body.id} already exists`);
  else log(`could not submit the demo run to project ${DEMO_PROJECT}: ${body.error?.message ?? res.status}`);
  return accounts;
}
