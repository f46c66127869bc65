import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunDetail } from '@refinery/core';
import { asNewClient, INGEST_ONLY_SPEC, specWith, submitYaml, waitForRun } from '../support/api';
import { openLineageProblems } from '../support/openlineage';
import { launchChromium, signInAt } from '../support/browser';

/** The run page's "OpenLineage" link, in a real browser, as a viewer: it downloads the run's events as JSON Lines. */

describe('OpenLineage download from the run page', () => {
  const webUrl = inject('webUrl');
  let browser: Browser;
  let page: Page;
  let run: RunDetail;

  beforeAll(async () => {
    const submitted = await submitYaml(specWith({ name: 'openlineage-browser' }, INGEST_ONLY_SPEC));
    run = await waitForRun(submitted.body.id);
    expect(run.status).toBe('succeeded');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: asNewClient(), acceptDownloads: true });
    const viewer = inject('accounts').find((a) => a.role === 'viewer')!;
    await signInAt(page, `${webUrl}/runs/${run.id}`, viewer);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("downloads the run's events, every one valid, START and COMPLETE for the run and each stage", async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('run-openlineage-link').click()]);
    expect(download.suggestedFilename()).toBe(`openlineage-demo-${run.id}.jsonl`);
    const events = (await readFile((await download.path())!, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { eventType: string; job: { name: string } });
    for (const e of events) expect(openLineageProblems(e)).toEqual([]);
    expect(events.map((e) => `${e.job.name} ${e.eventType}`)).toEqual([
      'openlineage-browser START',
      'openlineage-browser.ingest START',
      'openlineage-browser.ingest COMPLETE',
      'openlineage-browser.redact START',
      'openlineage-browser.redact COMPLETE',
      'openlineage-browser COMPLETE',
    ]);
  });
});
