import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { audit, connect } from '@refinery/db';
import { asNewClient, stackEnv } from '../support/api';
import { launchChromium, signInAt } from '../support/browser';

/**
 * The audit page in a real browser: the instance admin sees the server's verification banner and
 * signs a checkpoint from it, filters by action prefix and pages; the navigation shows the page
 * to the admin and the reviewer (audit.read), not to the viewer.
 */

describe('audit page', () => {
  const webUrl = inject('webUrl');
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  async function signedIn(role: 'admin' | 'reviewer' | 'viewer', path: string): Promise<Page> {
    const account = inject('accounts').find((a) => a.role === role)!;
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: asNewClient() });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await signInAt(page, `${webUrl}${path}`, account);
    return page;
  }

  beforeAll(async () => {
    // More than a page of events, whatever ran before: written by the real chain writer.
    const database = connect(stackEnv().DATABASE_URL!, { max: 2 });
    for (let i = 0; i < 60; i++) await audit(database.db, { actor: 'user:audit-browser-test', action: 'test.browser_page', subjectType: 'test', subjectId: String(i), projectId: 'demo' });
    await database.close();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
  });

  it("shows an instance admin the verified chain, signs a checkpoint, filters and pages", async () => {
    const page = await signedIn('admin', '/audit');
    const banner = page.getByTestId('audit-verify-banner');
    await banner.waitFor({ timeout: 60_000 });
    expect(await banner.getAttribute('data-ok')).toBe('true');
    expect(await banner.textContent()).toMatch(/Chain verified: [\d,]+ events? \(seq 1\.\.\d+\)/);

    await page.getByTestId('audit-take-checkpoint').click();
    await expect.poll(async () => (await banner.textContent()) ?? '', { timeout: 30_000 }).toMatch(/signed at seq \d+/);

    const rows = page.getByTestId('audit-row');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.locator('input[name="action"]').fill('auth.');
    await page.getByTestId('audit-apply').click();
    await expect
      .poll(async () => {
        const actions = await rows.evaluateAll((els) => els.map((e) => e.querySelectorAll('td')[3]?.textContent ?? ''));
        return actions.length > 0 && actions.every((a) => a.startsWith('auth.'));
      }, { timeout: 30_000 })
      .toBe(true);

    await page.locator('input[name="action"]').fill('');
    await page.getByTestId('audit-apply').click();
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(50);
    const firstSeq = await rows.first().getAttribute('data-seq');
    await page.getByTestId('audit-next').click();
    await expect.poll(async () => rows.first().getAttribute('data-seq'), { timeout: 30_000 }).not.toBe(firstSeq);
    expect(Number(await rows.first().getAttribute('data-seq'))).toBeLessThan(Number(firstSeq));
    await page.getByTestId('audit-previous').click();
    await expect.poll(async () => rows.first().getAttribute('data-seq'), { timeout: 30_000 }).toBe(firstSeq);
    expect(pageErrors).toEqual([]);
  });

  it('is in the navigation for reviewers (their project only, no chain verification) and not for viewers', async () => {
    const reviewer = await signedIn('reviewer', '/approvals');
    await reviewer.getByTestId('nav-audit').click();
    await reviewer.waitForURL(`${webUrl}/audit`);
    await expect.poll(() => reviewer.getByTestId('audit-row').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const projects = await reviewer.getByTestId('audit-row').evaluateAll((els) => [...new Set(els.map((e) => e.querySelectorAll('td')[5]?.textContent))]);
    expect(projects).toEqual(['demo']);
    expect(await reviewer.getByTestId('audit-verify-banner').count()).toBe(0);

    const viewer = await signedIn('viewer', '/approvals');
    await viewer.getByTestId('nav-runs').waitFor();
    // Shown until /me answers, then hidden: the viewer has no audit.read anywhere.
    await expect.poll(() => viewer.getByTestId('nav-audit').count(), { timeout: 30_000 }).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
