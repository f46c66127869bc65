import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isTerminalRunStatus, type RunDetail } from '@refinery/core';
import { ensureDemoModel, loadToolchain, REPO_ROOT, seedDemoAccounts, signIn, startStack } from '../../infra/src';

/**
 * Records the histories the replay test (workers/pipeline/test/replay.test.ts) replays: the demo
 * run (every stage: train, merge, quantize, evaluate, gates, approval by the seeded reviewer, promote), a data-only run, a run whose dataset is invalid, and a run cancelled while
 * it trains. Run it after an intended change to the workflow's commands, on a clean checkout:
 *
 *   node --import tsx test/workflow/record-histories.ts
 *
 * It starts its own stack (in-memory Temporal, fresh data) and writes
 * workers/pipeline/test/histories/<name>.json.
 */
const OUT = join(REPO_ROOT, 'workers/pipeline/test/histories');
const spec = (path: string) => readFile(join(REPO_ROOT, path), 'utf8');

const dataDir = join(REPO_ROOT, '.data', 'record-histories');
await rm(dataDir, { recursive: true, force: true });
ensureDemoModel(loadToolchain().python, () => {});
const stack = await startStack({ dataDir, persistTemporal: false, processes: { pipelineWorker: true, gpuWorker: true, web: true }, webDistDir: '.next-test', log: () => {} });
try {
  // Submitted as the demo ML engineer, signed in as the dashboard would be.
  const accounts = await seedDemoAccounts(stack.env, dataDir);
  const signedIn = async (role: string) => {
    const account = accounts.find((a) => a.role === role)!;
    return { cookie: await signIn(stack.urls.web, account.email, account.password), origin: stack.urls.web };
  };
  const session = await signedIn('ml_engineer');
  // The demo waits for approval: the seeded reviewer (not the submitter) approves it, as a person would.
  const reviewer = await signedIn('reviewer');
  // Payloads are encrypted in Temporal; the instance admin decodes them through the dashboard's
  // codec endpoint, so the committed histories are plaintext (the replay test has no keys).
  const admin = await signedIn('admin');
  const demo = await spec('examples/specs/demo.yaml');
  const dataOnly = await spec('test/fixtures/ingest-only.yaml');
  const runs: Record<string, { yaml: string; cancelWhenTraining?: boolean }> = {
    'demo-run': { yaml: demo },
    'data-only-run': { yaml: dataOnly },
    'invalid-dataset-run': { yaml: dataOnly.replace('support-tickets.jsonl', 'malformed-chat.jsonl') },
    'cancelled-while-training-run': { yaml: demo, cancelWhenTraining: true },
  };
  await mkdir(OUT, { recursive: true });
  for (const [name, run] of Object.entries(runs)) {
    const res = await fetch(`${stack.urls.web}/api/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/yaml', ...session }, body: run.yaml });
    const { id } = (await res.json()) as { id: string };
    console.log(`${name}: run ${id}`);
    for (;;) {
      const detail = (await (await fetch(`${stack.urls.web}/api/v1/runs/${id}`, { headers: session })).json()) as RunDetail;
      if (run.cancelWhenTraining && detail.stages.some((s) => s.stage === 'train' && s.status === 'running')) {
        await new Promise((r) => setTimeout(r, 3000));
        await fetch(`${stack.urls.web}/api/v1/runs/${id}/cancel`, { method: 'POST', headers: session });
        run.cancelWhenTraining = false;
      }
      if (detail.status === 'awaiting_approval') {
        const body = JSON.stringify({ decision: 'approve', comment: 'recorded for the replay test' });
        await fetch(`${stack.urls.web}/api/v1/runs/${id}/approval`, { method: 'POST', headers: { 'content-type': 'application/json', ...reviewer }, body });
      }
      if (isTerminalRunStatus(detail.status)) {
        console.log(`  ${detail.status}: ${detail.stages.map((s) => `${s.stage}:${s.status}`).join(' ')}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    // The Temporal CLI writes history in the canonical JSON form that historyFromJSON reads.
    const codec = ['--codec-endpoint', `${stack.urls.web}/api/v1/temporal/codec`, '--codec-header', `cookie=${admin.cookie}`, '--codec-header', `origin=${admin.origin}`];
    const history = execFileSync(loadToolchain().temporal, ['workflow', 'show', '--workflow-id', id, '--address', stack.env.TEMPORAL_ADDRESS!, '--output', 'json', ...codec], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (history.includes('YmluYXJ5L2VuY3J5cHRlZA')) throw new Error(`the history of ${name} still holds encrypted payloads (base64 "binary/encrypted"): the codec endpoint did not decode them`);
    await writeFile(join(OUT, `${name}.json`), history);
  }
} finally {
  await stack.stop();
}
