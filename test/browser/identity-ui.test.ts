import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ProjectRole } from '@refinery/core';
import { api, asNewClient, sessionOf } from '../support/api';

/**
 * Accounts in the dashboard: password sign-in and sign-out, the tokens page (a secret shown
 * once, then revoked), the members page, and actions hidden from roles that may not take them.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('accounts in the dashboard', () => {
  const webUrl = inject('webUrl');
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function signInAs(role: ProjectRole): Promise<Page> {
    const account = inject('accounts').find((a) => a.role === role)!;
    const page = await (await browser.newContext({ extraHTTPHeaders: asNewClient() })).newPage();
    await page.goto(`${webUrl}/sign-in`);
    await page.getByTestId('sign-in-email').fill(account.email);
    await page.getByTestId('sign-in-password').fill(account.password);
    await page.getByTestId('sign-in-submit').click();
    await page.waitForURL(`${webUrl}/`, { timeout: 30_000 });
    await page.getByTestId('user-menu').waitFor();
    return page;
  }

  it('refuses a wrong password with a message, and signs out back to the sign-in page', async () => {
    const page = await (await browser.newContext({ extraHTTPHeaders: asNewClient() })).newPage();
    await page.goto(`${webUrl}/sign-in`);
    await page.getByTestId('sign-in-email').fill('viewer@refinery.local');
    await page.getByTestId('sign-in-password').fill('definitely-wrong-password');
    await page.getByTestId('sign-in-submit').click();
    await expect.poll(() => page.getByTestId('sign-in-error').textContent(), { timeout: 15_000 }).toMatch(/invalid|password/i);
    await page.context().close();

    const viewer = await signInAs('viewer');
    await viewer.getByTestId('user-menu').click();
    await viewer.getByTestId('sign-out').click();
    await viewer.waitForURL(/\/sign-in/);
    await viewer.goto(`${webUrl}/`);
    await viewer.waitForURL(/\/sign-in/);
    await viewer.context().close();
  }, 120_000);

  it('creates a token whose secret is shown once and works, then revokes it', async () => {
    const page = await signInAs('admin');
    await page.goto(`${webUrl}/settings/tokens`);
    await page.getByTestId('token-name').fill('ui token');
    await page.getByTestId('token-project').selectOption('demo');
    await page.getByTestId('token-role').selectOption('viewer');
    await page.getByTestId('token-create').click();
    const secret = (await page.getByTestId('token-secret').textContent())!.trim();
    expect(secret).toMatch(/^rfy_[A-Za-z0-9_-]{43}$/);
    const me = await api('GET', '/api/v1/me', { as: { authorization: `Bearer ${secret}` } });
    expect(me.body).toMatchObject({ kind: 'token', token: { role: 'viewer', project: 'demo' } });

    const row = page.locator(`[data-testid="token-row"][data-token-id="${me.body.token.id}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('active');
    // After a reload the secret is gone for good; only its prefix is listed.
    await page.reload();
    await row.waitFor();
    expect(await page.getByTestId('token-secret').count()).toBe(0);
    expect(await row.textContent()).toContain(secret.slice(0, 8));
    expect(await page.content()).not.toContain(secret.slice(8));

    await row.getByTestId('token-revoke').click();
    await row.getByTestId('token-revoke-confirm').click();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('revoked');
    expect((await api('GET', '/api/v1/me', { as: { authorization: `Bearer ${secret}` } })).status).toBe(401);
    await page.context().close();
  }, 120_000);

  it('lets a project admin add, re-role and remove a member', async () => {
    const email = `ui-member-${Date.now()}@example.com`;
    const created = await api('POST', '/api/v1/users', { as: sessionOf('admin'), body: JSON.stringify({ email, name: 'Uma Member', password: 'a-long-enough-password' }), headers: { 'content-type': 'application/json' } });
    expect(created.status).toBe(201);
    const page = await signInAs('admin');
    await page.goto(`${webUrl}/projects/demo/members`);
    await page.getByTestId('members-table').waitFor();
    await page.getByTestId('member-add-email').fill(email);
    await page.getByTestId('member-add-role').selectOption('reviewer');
    await page.getByTestId('member-add-submit').click();
    const row = page.locator(`[data-testid="member-row"][data-email="${email}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getAttribute('data-role')).toBe('reviewer');
    await row.getByTestId('member-role').selectOption('viewer');
    await expect.poll(() => row.getAttribute('data-role'), { timeout: 15_000 }).toBe('viewer');
    await row.getByTestId('member-remove').click();
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(0);
    const members = (await api('GET', '/api/v1/projects/demo/members', { as: 'viewer' })).body.members as { email: string }[];
    expect(members.map((m) => m.email)).not.toContain(email);
    await page.context().close();
  }, 120_000);

  it('shows a viewer what they may not do, and why', async () => {
    const page = await signInAs('viewer');
    const newRun = page.getByTestId('nav-new-run');
    expect(await newRun.getAttribute('aria-disabled')).toBe('true');
    expect(await newRun.getAttribute('title')).toMatch(/needs ml_engineer or admin in a project, and you are viewer in demo/);
    await page.goto(`${webUrl}/projects/demo/members`);
    await page.getByTestId('members-table').waitFor();
    expect(await page.getByTestId('members-readonly').textContent()).toMatch(/your role viewer can view members; only admins manage them/);
    expect(await page.getByTestId('member-add-submit').count()).toBe(0);
    await page.context().close();
  }, 120_000);
});
