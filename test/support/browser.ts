import { chromium, type Browser, type Page } from 'playwright-core';

/** Headless Chromium as every browser test runs it (Debian's chromium; no network of its own). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });

/**
 * Opens `url` signed out, signs in on the page it redirects to (`/sign-in?next=`) and waits to
 * land back on `url`: the path every user takes from a bookmarked link.
 */
export async function signInAt(page: Page, url: string, account: { email: string; password: string }): Promise<void> {
  await page.goto(url);
  await page.waitForURL(/\/sign-in\?next=/);
  await page.getByTestId('sign-in-email').fill(account.email);
  await page.getByTestId('sign-in-password').fill(account.password);
  await page.getByTestId('sign-in-submit').click();
  await page.waitForURL(url, { timeout: 30_000 });
}
