import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * The dashboard in a real browser (Debian chromium) against the real stack: submit the demo
 * RunSpec through the New run form, watch the run page, and see the run in the live list.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const TERMINAL = ['succeeded', 'failed', 'rejected', 'cancelled'];
// The demo run trains a LoRA adapter on CPU here: allow it minutes to finish.
const RUN_FINISH_TIMEOUT_MS = 15 * 60_000;
// The page polls every 1.5 s, so a run that lasts longer than this must be seen while live.
const OBSERVABLE_RUN_MS = 5_000;

describe('dashboard', () => {
  const webUrl = inject('webUrl');
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
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

  it('submits the demo spec, follows the run page, and sees the run progress in the list', { timeout: RUN_FINISH_TIMEOUT_MS + 120_000 }, async () => {
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

    // Record the statuses the page shows, without reloading, until the run is final.
    const seen: string[] = [];
    const status = page.getByTestId('run-status');
    await expect
      .poll(
        async () => {
          const s = (await status.getAttribute('data-status')) ?? '';
          if (seen.at(-1) !== s) seen.push(s);
          return TERMINAL.includes(s);
        },
        { timeout: RUN_FINISH_TIMEOUT_MS, interval: 200 },
      )
      .toBe(true);
    const final = seen.at(-1)!;
    expect(final, `run ${runId} ended ${final}; the page showed ${seen.join(' → ')}`).toBe('succeeded');
    // Statuses only move forward: nothing non-terminal after a terminal one.
    expect(seen.slice(0, -1).every((s) => ['queued', 'running'].includes(s)), seen.join(' → ')).toBe(true);
    // It progressed through a real execution: started, ran ingest, finished after it started.
    const run = await page.evaluate(async (id) => (await fetch(`/api/v1/runs/${id}`)).json(), runId);
    expect(run.startedAt).toBeTruthy();
    expect(Date.parse(run.finishedAt)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
    expect(run.stages.map((s: { stage: string; status: string }) => `${s.stage}:${s.status}`)).toContain('ingest:succeeded');
    if (Date.parse(run.finishedAt) - Date.parse(run.createdAt) > OBSERVABLE_RUN_MS) {
      expect(seen.length, `the page never showed the run live: ${seen.join(' → ')}`).toBeGreaterThan(1);
    }
    await page.locator('[data-testid="stage-row"][data-stage="ingest"][data-status="succeeded"]').waitFor();
    await page.getByTestId('ingest-panel').waitFor();
    expect(await page.getByTestId('artifact-row').count()).toBeGreaterThan(0);

    // The list shows the run (exactly once, despite the double click) with its final status.
    await page.getByTestId('nav-runs').click();
    const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
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
          project: 'browser-live',
          name: 'live-list',
          baseModel: { uri: 'file://examples/models/tiny-llama' },
          dataset: { uri: 'file://examples/datasets/support-tickets.jsonl', format: 'chat' },
        }),
      });
      return (await res.json()) as { id: string };
    });
    await page.locator(`[data-testid="run-row"][data-run-id="${run.id}"]`).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('run-row').count()).toBe(before + 1);
  });
});
