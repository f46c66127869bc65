import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { asNewClient, DEMO_SPEC, specWith, submitYaml, waitForRun } from '../support/api';

/**
 * The dashboard in a real browser (Debian chromium) against the real stack, signed in as the
 * demo ML engineer through the sign-in page: submit the demo RunSpec through the New run form,
 * watch the run page, and see the run in the live list.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const TERMINAL = ['succeeded', 'failed', 'rejected', 'expired', 'cancelled'];
// Ingest, redact and split take seconds; the GPU worker may first finish other tests' training.
const RUN_PROGRESS_TIMEOUT_MS = 5 * 60_000;

describe('dashboard', () => {
  const webUrl = inject('webUrl');
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: asNewClient() });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const engineer = inject('accounts').find((a) => a.role === 'ml_engineer')!;
    await page.goto(`${webUrl}/runs/new`);
    // Signed out, the dashboard asks to sign in and then returns to the page that was asked for.
    await page.waitForURL(/\/sign-in\?next=%2Fruns%2Fnew/);
    await page.getByTestId('sign-in-email').fill(engineer.email);
    await page.getByTestId('sign-in-password').fill(engineer.password);
    await page.getByTestId('sign-in-submit').click();
    await page.waitForURL(`${webUrl}/runs/new`, { timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows an invalid edit inline, at the offending line', async () => {
    await page.goto(`${webUrl}/runs/new`);
    const editor = page.getByTestId('spec-editor');
    await expect.poll(() => page.getByTestId('spec-validation').getAttribute('data-state'), { timeout: 30_000 }).toBe('valid');

    const demo = await editor.inputValue();
    const invalid = demo.replace('format: chat', 'format: csv');
    expect(invalid).not.toBe(demo);
    await editor.fill(invalid);

    const inline = page.getByTestId('spec-issue-inline');
    await inline.first().waitFor({ timeout: 30_000 });
    const datasetLine = invalid.split('\n').findIndex((l) => l.includes('format: csv')) + 1;
    expect(await inline.first().getAttribute('data-line')).toBe(String(datasetLine));
    expect(await inline.first().textContent()).toMatch(/chat|prompt_completion|text/);
    expect(await page.getByTestId('spec-issues').textContent()).toContain('dataset.format');
    expect(await page.getByTestId('submit-run').isDisabled()).toBe(true);

    // Restoring the text clears the error again.
    await editor.fill(demo);
    await expect.poll(() => page.getByTestId('spec-validation').getAttribute('data-state'), { timeout: 30_000 }).toBe('valid');
    expect(await inline.count()).toBe(0);
  });

  it('submits the demo spec, follows the run into training, cancels it, and sees it in the list', { timeout: RUN_PROGRESS_TIMEOUT_MS + 180_000 }, async () => {
    await page.goto(webUrl);
    await page.getByTestId('runs-table').or(page.getByText('No runs yet')).first().waitFor();
    await page.getByTestId('new-run-button').click();
    await page.waitForURL(`${webUrl}/runs/new`);
    await expect.poll(() => page.getByTestId('spec-validation').getAttribute('data-state'), { timeout: 30_000 }).toBe('valid');

    // A double click must not create two runs (one Idempotency-Key per form session).
    await page.getByTestId('submit-run').dblclick();
    await page.waitForURL(/\/runs\/run_[a-z0-9]+$/, { timeout: 30_000 });
    const runId = page.url().split('/').pop()!;
    await page.getByTestId('run-detail').waitFor();
    expect(await page.getByTestId('run-id').textContent()).toBe(runId);
    expect(await page.getByTestId('run-name').textContent()).toBe('support-router');

    // Without reloading, the page follows the run through ingest and redact into training.
    const seen: string[] = [];
    const status = page.getByTestId('run-status');
    const trainRunning = page.locator('[data-testid="stage-row"][data-stage="train"][data-status="running"]');
    await expect
      .poll(
        async () => {
          const s = (await status.getAttribute('data-status')) ?? '';
          if (seen.at(-1) !== s) seen.push(s);
          return (await trainRunning.count()) > 0;
        },
        { timeout: RUN_PROGRESS_TIMEOUT_MS, interval: 200 },
      )
      .toBe(true);
    expect(seen.every((s) => ['queued', 'running'].includes(s)), seen.join(' → ')).toBe(true);
    for (const stage of ['ingest', 'redact', 'split']) {
      await page.locator(`[data-testid="stage-row"][data-stage="${stage}"][data-status="succeeded"]`).waitFor();
    }
    await page.getByTestId('ingest-panel').waitFor();
    // The redaction report: what was redacted, and the verification gate's verdict.
    await page.getByTestId('redact-panel').waitFor();
    expect(await page.getByTestId('redact-verification').getAttribute('data-clean')).toBe('true');
    expect(await page.getByTestId('redact-entities').textContent()).toContain('EMAIL');
    await page.getByTestId('train-panel').waitFor();
    expect(await page.getByTestId('artifact-row').count()).toBeGreaterThan(2);

    // Cancel from the page: the training stops and the page shows the run cancelled.
    await page.getByTestId('cancel-run').click();
    await page.getByTestId('cancel-run-confirm').click();
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('cancelled');
    await page.locator('[data-testid="stage-row"][data-stage="train"][data-status="cancelled"]').waitFor();

    // The list shows the run (exactly once, despite the double click) with its final status.
    await page.getByTestId('nav-runs').click();
    const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 30_000 }).toBe('cancelled');
    const sameName = await page.locator('[data-testid="run-row"]').evaluateAll((rows, id) => rows.filter((r) => r.getAttribute('data-run-id') === id).length, runId);
    expect(sameName).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('updates the list live when a run is submitted elsewhere', async () => {
    await page.goto(webUrl);
    await page.getByTestId('runs-table').waitFor();
    const before = await page.getByTestId('run-row').count();
    // Submitted through the API, not this page: the list must pick it up without a reload.
    const run = await page.evaluate(async () => {
      const res = await fetch('/api/v1/runs', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'refinery/v1',
          kind: 'FineTuneRun',
          project: 'demo',
          name: 'live-list',
          baseModel: { uri: 'file://examples/models/tiny-llama' },
          dataset: { uri: 'file://examples/datasets/support-tickets.jsonl', format: 'chat' },
        }),
      });
      return (await res.json()) as { id: string };
    });
    await page.locator(`[data-testid="run-row"][data-run-id="${run.id}"]`).waitFor({ timeout: 15_000 });
    // Newest first. The count grows by one, unless the first page was already full (a full suite
    // has more runs than a page holds): then the oldest row drops off it.
    expect(await page.getByTestId('run-row').first().getAttribute('data-run-id')).toBe(run.id);
    expect([before, before + 1]).toContain(await page.getByTestId('run-row').count());
  });

  it("shows a run's usage and cost per stage attempt, and the project's usage page lists it", async () => {
    const submitted = await submitYaml(specWith({ name: 'usage-page' }));
    const run = await waitForRun(submitted.body.id);
    expect(run.status).toBe('succeeded');
    await page.goto(`${webUrl}/runs/${run.id}`);
    const card = page.getByTestId('run-usage');
    await card.waitFor({ timeout: 30_000 });
    const rows = card.getByTestId('usage-row');
    expect(await rows.count()).toBe(run.stages.length);
    expect(await rows.first().getAttribute('data-stage')).toBe('ingest');
    expect(await rows.first().textContent()).toContain('refinery-pipeline');
    expect(await card.getByTestId('usage-total-cost').textContent()).toBe(run.usage.cost.toFixed(4));

    await card.getByRole('link', { name: 'Project usage' }).click();
    await page.waitForURL(`${webUrl}/projects/demo/usage`);
    const row = page.locator(`[data-testid="usage-run-row"][data-run-id="${run.id}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('usage-page');
    expect(await page.getByTestId('usage-prices').textContent()).toContain('* (every other queue)');
    expect(pageErrors).toEqual([]);
  });

  it('shows a finished run\'s GGUF files, evaluation table, samples and gate results', { timeout: 15 * 60_000 }, async () => {
    const spec = parse(DEMO_SPEC);
    spec.name = 'browser-eval';
    spec.training = { ...spec.training, maxSteps: 4, epochs: 1 };
    spec.quantization = { formats: ['f16', 'q8_0'] };
    spec.evaluation = { metrics: ['json_valid'], maxExamples: 4, maxNewTokens: 16, gates: [{ metric: 'perplexity_delta', variant: 'gguf-q8_0', max: 0.05 }] };
    const submitted = await submitYaml(stringify(spec));
    const run = await waitForRun(submitted.body.id, undefined, 12 * 60_000);
    expect(run.status, run.error ?? '').toBe('succeeded');
    await page.goto(`${webUrl}/runs/${run.id}`);
    await page.getByTestId('quantize-panel').waitFor();
    expect(await page.locator('[data-testid="gguf-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-format')))).toEqual(['f16', 'q8_0']);
    expect(await page.getByTestId('quantize-parity').textContent()).toBe('identical token ids');
    await page.getByTestId('evaluate-panel').waitFor();
    expect(await page.locator('[data-testid="evaluate-variant"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-variant')))).toEqual(['base', 'merged', 'gguf-f16', 'gguf-q8_0']);
    await page.getByTestId('evaluate-samples').locator('summary').click();
    expect(await page.getByTestId('evaluate-samples').textContent()).toContain('reference');
    expect(await page.getByTestId('gates-panel').getAttribute('data-passed')).toBe('true');
    expect(await page.locator('[data-testid="gate-row"]').first().getAttribute('data-passed')).toBe('true');
  });

  it('a reviewer approves a run from the approvals inbox (its submitter sees why they cannot), then chats with the promoted version in the playground', { timeout: 15 * 60_000 }, async () => {
    const spec = parse(DEMO_SPEC);
    spec.name = 'browser-approval';
    spec.training = { ...spec.training, maxSteps: 3, epochs: 1 };
    spec.quantization = { formats: ['q8_0'] };
    spec.evaluation = { metrics: ['json_valid'], maxExamples: 4, maxNewTokens: 8 };
    spec.approval = { timeout: '1h' };
    spec.promotion = { alias: 'staging' };
    const submitted = await submitYaml(stringify(spec)); // by the ML engineer's token: this page's user
    await waitForRun(submitted.body.id, (r) => r.status === 'awaiting_approval' || TERMINAL.includes(r.status), 12 * 60_000);
    const item = (p: Page) => p.locator(`[data-testid="approval-item"][data-run-id="${submitted.body.id}"]`);

    await page.goto(`${webUrl}/approvals`);
    await item(page).getByTestId('approval-not-allowed').waitFor();
    expect(await item(page).getByTestId('approval-not-allowed').textContent()).toMatch(/You submitted this run/);

    const reviewer = inject('accounts').find((a) => a.role === 'reviewer')!;
    const reviewerPage = await browser.newPage({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: asNewClient() });
    reviewerPage.on('pageerror', (err) => pageErrors.push(err.message));
    await reviewerPage.goto(`${webUrl}/approvals`);
    await reviewerPage.waitForURL(/\/sign-in\?next=%2Fapprovals/);
    await reviewerPage.getByTestId('sign-in-email').fill(reviewer.email);
    await reviewerPage.getByTestId('sign-in-password').fill(reviewer.password);
    await reviewerPage.getByTestId('sign-in-submit').click();
    await reviewerPage.waitForURL(`${webUrl}/approvals`, { timeout: 30_000 });
    // The evidence is in front of the reviewer: the request and the evaluation, then the form.
    await item(reviewerPage).getByTestId('evaluate-panel').waitFor();
    await item(reviewerPage).getByTestId('approval-comment').fill('evaluation and samples reviewed');
    await item(reviewerPage).getByTestId('approve-run').click();
    const done = await waitForRun(submitted.body.id, undefined, 60_000);
    expect(done.status).toBe('succeeded');
    await reviewerPage.goto(`${webUrl}/runs/${done.id}`);
    await reviewerPage.getByTestId('approval-panel').waitFor();
    expect(await reviewerPage.getByTestId('approval-panel').getAttribute('data-outcome')).toBe('approved');
    expect(await reviewerPage.getByTestId('approval-decision').textContent()).toContain('evaluation and samples reviewed');

    // The promoted version's page: a chat turn with its GGUF streams a reply into the playground.
    await reviewerPage.goto(`${webUrl}/models/demo/browser-approval`);
    await reviewerPage.getByTestId('playground').first().waitFor();
    await reviewerPage.getByTestId('playground-input').first().fill('My parcel never arrived. No rush.');
    await reviewerPage.getByTestId('playground-send').first().click();
    await expect.poll(async () => (await reviewerPage.locator('[data-testid="playground-turns"] li[data-role="assistant"]').first().textContent())?.replace('…', '').trim().length ?? 0, { timeout: 60_000 }).toBeGreaterThan(0);
    await reviewerPage.close();
  });
});
