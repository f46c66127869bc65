import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { asNewClient } from '../support/api';
import type { Me } from '@refinery/core';
import { INGEST_ONLY_SPEC } from '../support/specs';

/**
 * Single sign-on in a real browser: the dashboard's "Sign in with SSO" goes to a real OpenID
 * Provider on loopback (test/support/oidc-provider.ts: oidc-provider's development login and
 * consent pages), which sends the user back signed in. The provider's groups map to project
 * roles through REFINERY_OIDC_GROUP_ROLES ({"refinery-reviewers": ["demo:reviewer"]}).
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('single sign-on (OIDC)', () => {
  const webUrl = inject('webUrl');
  const issuer = inject('oidcIssuer');
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function signInWithSso(login: string): Promise<Page> {
    const page = await (await browser.newContext({ extraHTTPHeaders: asNewClient() })).newPage();
    await page.goto(`${webUrl}/`);
    // Not signed in: the dashboard sends us to its sign-in page.
    await page.waitForURL(/\/sign-in/, { timeout: 30_000 });
    await page.getByTestId('sign-in-sso').click();
    await page.waitForURL((url) => url.href.startsWith(issuer), { timeout: 30_000 });
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password works here');
    await page.locator('button[type="submit"]').click();
    // The provider asks for consent to share the scopes once per client.
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.href.startsWith(webUrl) && !url.pathname.startsWith('/sign-in') && !url.pathname.startsWith('/api/'), { timeout: 30_000 });
    return page;
  }

  const me = (page: Page) => page.evaluate(async () => (await fetch('/api/v1/me')).json() as Promise<Me>);

  it('signs a provider user in and lands on the dashboard with the role their groups map to', async () => {
    const page = await signInWithSso('sso-reviewer');
    await page.getByTestId('user-menu').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('user-menu').textContent()).toMatch(/Sam Sso|sso-reviewer@sso\.example/);
    const caller = await me(page);
    expect(caller.user.email).toBe('sso-reviewer@sso.example');
    expect(caller.projects).toEqual([expect.objectContaining({ id: 'demo', role: 'reviewer' })]);
    // A reviewer reads runs but may not submit them.
    const submit = await page.evaluate(async (spec) => (await fetch('/api/v1/runs', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: spec })).status, INGEST_ONLY_SPEC);
    expect(submit).toBe(403);
    await page.context().close();
  }, 120_000);

  it('gives a provider user whose groups map to nothing no project at all', async () => {
    const page = await signInWithSso('sso-outsider');
    const caller = await me(page);
    expect(caller.user.email).toBe('sso-outsider@sso.example');
    expect(caller.projects).toEqual([]);
    const runs = await page.evaluate(async () => (await fetch('/api/v1/runs')).json() as Promise<{ runs: unknown[] }>);
    expect(runs.runs).toEqual([]);
    await page.context().close();
  }, 120_000);
});
