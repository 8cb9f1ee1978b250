/**
 * A real headless Chromium for the dashboard's tests: Debian's `chromium` (`.ci/run` installs it when
 * missing; `WORKTY_TEST_CHROMIUM` names another binary) driven by `playwright-core`, with a fresh
 * profile and none of Chromium's background connections (the test machines have no network).
 * Screenshots go to `test-output/screenshots/` (git-ignored).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { projectRoot } from '../../shared/paths.js';
import { makeTempDir, type TempDir } from './tmp.js';

export const CHROMIUM = process.env.WORKTY_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(projectRoot, 'test-output', 'screenshots');

/** Desktop and phone viewports of the screenshots. */
export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions', '--disable-dev-shm-usage',
];

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A browser with a fresh profile (removed on close) trusting nothing but accepting the platform's self-signed certificate. */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium; .ci/run does) or set WORKTY_TEST_CHROMIUM`);
  }
  const profile: TempDir = makeTempDir('chromium');
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      // The platform makes its own self-signed certificate on first start.
      ignoreHTTPSErrors: true,
      viewport: DESKTOP,
      timeout: 60_000,
    });
  } catch (error) {
    profile.remove();
    throw error;
  }
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? await context.newPage();
  return {
    context,
    page,
    async close() {
      try {
        await context.close();
      } finally {
        profile.remove();
      }
    },
  };
}

/** Saves a screenshot of the page as `test-output/screenshots/<name>.png` (notices dismissed first). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // All at once, in the page: a notice fading by itself cannot leave a click waiting for it.
  await page.evaluate(() => {
    for (const button of (globalThis as InPage).document.querySelectorAll('.notices button')) button.click();
  });
  await page.locator('.notice').first().waitFor({ state: 'detached' });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  return path;
}

/** Waits until the locator shows text matching `text` (Playwright's auto-waiting on a filtered locator). */
export async function waitForText(locator: Locator, text: string | RegExp, timeout?: number): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ state: 'visible', ...(timeout === undefined ? {} : { timeout }) });
}

/** The page's globals inside `page.evaluate` (the tests compile without the DOM library). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type InPage = any;

/** Follows a link of the main navigation. */
export async function navigate(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
}

/** Signs in through the sign-in form and waits for the first view. */
export async function signIn(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
