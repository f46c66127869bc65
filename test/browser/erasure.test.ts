import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import type { RunDetail } from '@refinery/core';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { api, asNewClient, DEMO_SPEC, submitYaml, waitForRun } from '../support/api';
import { launchChromium, signInAt } from '../support/browser';

/**
 * The erasure page in a real browser, as the project admin: paste a record line, hash it in the
 * browser, find the version production points at (with the warning), mark it with a reason; the
 * model page then shows the affected badge on the version and the production alias.
 */
const MODEL = 'erasure-browser';

describe('erasure page', () => {
  const webUrl = inject('webUrl');
  let browser: Browser;
  let page: Page;
  let run: RunDetail;
  let recordText: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const lines = readFileSync(join(REPO_ROOT, 'examples/datasets/support-tickets.jsonl'), 'utf8').trimEnd().split('\n');
    const record = JSON.parse(lines[3]!);
    record.messages[1].content += ` Erase me too: ${randomBytes(6).toString('hex')}.`;
    recordText = JSON.stringify(record);
    const uploaded = await api('POST', '/api/v1/uploads?project=demo', { body: `${[...lines, recordText].join('\n')}\n`, headers: { 'content-type': 'application/octet-stream' } });
    expect(uploaded.status).toBe(201);
    const spec = parse(DEMO_SPEC);
    Object.assign(spec, { name: 'erasure-browser', dataset: { uri: uploaded.body.uri, format: 'chat' }, promotion: { model: MODEL, alias: 'production' } });
    spec.training = { ...spec.training, maxSteps: 2, epochs: 1 };
    delete spec.quantization;
    delete spec.evaluation;
    run = await waitForRun((await submitYaml(stringify(spec))).body.id, undefined, 10 * 60_000);
    expect(run.status, run.error ?? '').toBe('succeeded');

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: asNewClient() });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const admin = inject('accounts').find((a) => a.role === 'admin')!;
    await signInAt(page, `${webUrl}/erasure`, admin);
  }, 15 * 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('hashes a pasted record, shows the production version it reached, marks it, and the model page shows the badge', async () => {
    await page.getByTestId('erasure-project').selectOption('demo');
    await page.getByText('Hash a record').click();
    await page.getByTestId('erasure-record').fill(recordText);
    await page.getByRole('button', { name: 'Use its hash' }).click();
    await expect.poll(() => page.getByTestId('erasure-reference').inputValue()).toMatch(/^record:[0-9a-f]{64}$/);
    await page.getByTestId('erasure-find').click();

    await page.getByTestId('erasure-production').waitFor({ timeout: 60_000 });
    const row = page.locator(`[data-testid="erasure-version"][data-model="${MODEL}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('production');
    expect(await row.textContent()).toContain('not marked');
    expect(await page.getByTestId('erasure-runs').textContent()).toContain(run.id);

    await page.getByTestId('erasure-reason').fill('DSR-77');
    await page.getByTestId('erasure-mark').click();
    await page.getByTestId('erasure-marked').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('erasure-marked').textContent()).toMatch(/^1 version marked affected/);
    await expect.poll(() => row.textContent()).toMatch(/record:hmac:[0-9a-f]{64} — DSR-77/);

    await page.goto(`${webUrl}/models/demo/${MODEL}`);
    await page.getByTestId('production-affected').waitFor({ timeout: 30_000 });
    const alias = page.locator('[data-testid="model-alias"][data-alias="production"]');
    expect(await alias.getByTestId('affected-badge').count()).toBe(1);
    const version = page.locator('[data-testid="model-version"]').filter({ hasText: run.id });
    expect(await version.getByTestId('version-affected').textContent()).toContain('1 erasure request');
    expect(pageErrors).toEqual([]);
  });
});
