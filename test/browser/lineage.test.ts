import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunDetail } from '@refinery/core';
import { asNewClient, INGEST_ONLY_SPEC, specWith, submitYaml, waitForRun } from '../support/api';
import { launchChromium, signInAt } from '../support/browser';

/**
 * The lineage view in a real browser: from the run page's "Lineage" link to the graph (React
 * Flow, laid out by dagre), its nodes by kind, and a click through to the run. A data-only run
 * keeps it short: ingest → raw dataset → redact → redacted dataset and redaction report, in one run.
 */

describe('lineage view', () => {
  const webUrl = inject('webUrl');
  let browser: Browser;
  let page: Page;
  let run: RunDetail;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // Step caching off: a run reusing another run's data links to it (reused_from), and the graph would take in every run sharing it.
    const submitted = await submitYaml(`${specWith({ name: 'lineage-browser' }, INGEST_ONLY_SPEC).trimEnd()}\ncache: { ingest: false, redact: false }\n`);
    run = await waitForRun(submitted.body.id);
    expect(run.status).toBe('succeeded');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: asNewClient() });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const viewer = inject('accounts').find((a) => a.role === 'viewer')!;
    await signInAt(page, `${webUrl}/runs/${run.id}`, viewer);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('opens from the run page, shows the run, its stages and artifacts, and clicks through to the run', async () => {
    await page.getByTestId('run-lineage-link').click();
    await page.waitForURL(`${webUrl}/lineage?node=${run.id}`);
    const nodes = page.getByTestId('lineage-node');
    await expect.poll(() => nodes.count(), { timeout: 30_000 }).toBe(6);
    const types = await nodes.evaluateAll((els) => els.map((e) => e.getAttribute('data-node-type')).sort());
    expect(types).toEqual(['artifact', 'artifact', 'artifact', 'run', 'stage', 'stage']);
    const raw = run.artifacts.find((a) => a.kind === 'raw_dataset')!;
    const artifact = page.locator(`[data-node-id="artifact:${raw.id}"]`);
    expect(await artifact.getByTestId('lineage-node-link').getAttribute('href')).toBe(`/api/v1/artifacts/${raw.id}/content`);
    expect(await artifact.textContent()).toContain(`raw_dataset ${raw.sha256.slice(0, 12)}`);
    // Laid out left to right by dagre: a stage and its output are in different columns.
    const boxes = await nodes.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().x));
    expect(new Set(boxes.map(Math.round)).size).toBeGreaterThan(1);
    await expect.poll(() => page.locator('.react-flow__edge').count(), { timeout: 10_000 }).toBe(6); // 3 produced, 1 consumed, 2 part of the run

    await page.locator(`[data-node-id="run:${run.id}"]`).getByTestId('lineage-node-link').click();
    await page.waitForURL(`${webUrl}/runs/${run.id}`);
    await page.getByTestId('run-name').waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('says what is wrong with a bad start node', async () => {
    await page.goto(`${webUrl}/lineage?node=nope`);
    await page.getByTestId('lineage-error').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('lineage-error').textContent()).toMatch(/not a lineage start node/);
  });
});
