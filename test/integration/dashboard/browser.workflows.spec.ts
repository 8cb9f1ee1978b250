/**
 * The dashboard in a real headless Chromium against the platform as `npm start` runs it (launcher,
 * REST, supervisor serving the built dashboard, a real local worker): sign in, see the local worker
 * online, install sample workties, make a workflow of them, run it and watch its instances reach
 * `completed` live, read each attempt's output, stop a long run (its process gone), use it on a
 * phone-sized screen, stay signed in across a reload. Screenshots of the main views are saved in
 * test-output/screenshots/. The steps build on each other, in order.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DESKTOP, launchBrowser, navigate, PHONE, screenshot, waitForText, type InPage, type TestBrowser } from '../../lib/browser.js';
import { Platform } from '../../lib/platform.js';
import { waitFor } from '../../lib/wait.js';

const ADMIN = 'supervisor@localhost';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Records every state an instance's badge shows, as the page renders it (proof of live updates). */
async function recordStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const { document, window, MutationObserver } = globalThis as InPage;
    const seen: Record<string, string[]> = {};
    window.seenStates = seen;
    const record = (): void => {
      for (const item of document.querySelectorAll('[data-instance]') as InPage[]) {
        const state: string | null | undefined = item.querySelector('.card-head .badge')?.getAttribute('data-state');
        const name: string = item.dataset.instance;
        const list = (seen[name] ??= []);
        if (state != null && list[list.length - 1] !== state) list.push(state);
      }
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    record();
  });
}

describe('dashboard in a browser: sign in, the fleet, a workflow run live, stop', function () {
  this.timeout(120_000);
  let platform: Platform;
  let browser: TestBrowser;
  let page: Page;
  // The platform is this suite's own (a fresh data directory): its names are unique within it.
  const workflowName = 'Morning checks';
  let workflowUrl = '';
  let runUrl = '';

  before(async function () {
    this.timeout(180_000);
    platform = await Platform.start();
    browser = await launchBrowser();
    page = browser.page;
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close();
    if (platform !== undefined) expect(await platform.close(), `npm start stops cleanly:\n${platform.output}`).to.equal(0);
  });

  it('refuses a wrong password, signs the admin in, and shows the local worker online with its facts', async function () {
    await page.goto(`${platform.url}/`);
    await page.getByLabel('Email').fill(ADMIN);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForText(page.getByRole('alert'), 'Wrong email or password.');

    await page.getByLabel('Password').fill(platform.adminPassword());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/fleet');
    const local = page.getByRole('listitem', { name: 'Device local' });
    await local.locator('.badge[data-state="waiting"], .badge[data-state="running"]').first().waitFor();
    expect(await local.locator('.card-head .badge').first().textContent()).to.be.oneOf(['online', 'running']);
    await waitForText(local, /Runtimes\s*node/);
    expect(await local.textContent()).to.match(/Last seen\s*(just now|\d+ seconds? ago)/);
    // Nothing outside this origin was loaded, nothing inline was run: the policy holds.
    expect(await page.evaluate(() => {
      const { performance, location } = globalThis as InPage;
      return (performance.getEntriesByType('resource') as { name: string }[]).every((e) => e.name.startsWith(location.origin) || e.name.startsWith('wss:'));
    })).to.equal(true);
    await screenshot(page, 'fleet-desktop');
  });

  it('funds the admin\'s account and installs two sample templates from the catalogue', async function () {
    await navigate(page, 'Accounts');
    const me = page.getByRole('listitem', { name: `Account ${ADMIN}` });
    await me.getByRole('button', { name: 'Fund' }).click();
    await page.getByLabel('Amount to add').fill('5');
    await page.getByRole('dialog').getByRole('button', { name: 'Add' }).click();
    await waitForText(me, 'balance 5.00');

    await navigate(page, 'Catalogue');
    await page.getByRole('listitem', { name: 'Template wait-and-print' }).getByRole('button', { name: 'Install for 1.00' }).click();
    await waitForText(page.locator('.balance'), '4.00');
    await page.getByRole('listitem', { name: 'Template print-and-exit' }).getByRole('button', { name: 'Install' }).click();
    const installed = page.getByRole('list', { name: 'Installed workties' });
    await installed.locator('[data-workty="print-and-exit"]').waitFor();
    await installed.locator('[data-workty="wait-and-print"]').waitFor();
    await waitForText(page.getByRole('listitem', { name: 'Template wait-and-print' }), 'installed');
    await screenshot(page, 'catalogue-desktop');
  });

  it('creates a workflow of them, edits a property, runs it and watches each instance reach completed', async function () {
    await navigate(page, 'Workflows');
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill(workflowName);
    await page.getByRole('dialog').getByLabel('Description').fill('Greets, then waits and prints');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f]{24}$/);
    workflowUrl = page.url();
    await page.getByRole('heading', { name: workflowName }).waitFor();

    for (const workty of ['print-and-exit', 'wait-and-print']) {
      await page.getByRole('button', { name: 'Add instance' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Workty').selectOption({ label: workty });
      await dialog.getByRole('button', { name: 'Add' }).click();
      await page.getByRole('listitem', { name: `Instance ${workty}` }).waitFor();
    }
    const waiting = page.getByRole('listitem', { name: 'Instance wait-and-print' });
    await waiting.getByRole('button', { name: 'Edit' }).click();
    await waiting.getByLabel('timeout', { exact: true }).fill('400');
    await waiting.getByRole('button', { name: 'Save' }).click();
    await waitForText(waiting, 'timeout=400');

    await recordStates(page);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    for (const name of ['print-and-exit', 'wait-and-print']) {
      await page.locator(`[data-instance="${name}"] .card-head .badge[data-state="completed"]`).waitFor({ timeout: 60_000 });
    }
    await page.locator('.run-status .badge[data-state="completed"]').waitFor();
    const seen = await page.evaluate(() => (globalThis as InPage).window.seenStates as Record<string, string[]>);
    // Each state arrived as it happened: the waiting task was seen running before it completed.
    expect(seen['wait-and-print']).to.include('running');
    expect(seen['wait-and-print']!.at(-1)).to.equal('completed');
    expect(seen['print-and-exit']!.at(-1)).to.equal('completed');
    await waitForText(waiting, /exit code 0/);
    await screenshot(page, 'workflow-desktop');
  });

  it('reads each attempt\'s captured output and the run\'s journal', async function () {
    await page.getByRole('listitem', { name: 'Instance wait-and-print' }).getByRole('link', { name: 'output' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f]{24}#instance-/);
    runUrl = page.url().split('#')[0]!;
    const waited = page.getByRole('listitem', { name: 'Instance wait-and-print' });
    await waitForText(waited.getByLabel('Output of attempt 1'), 'waited 400 ms; properties: {"timeout":400}');
    const printed = page.getByRole('listitem', { name: 'Instance print-and-exit' });
    await waitForText(printed.getByLabel('Output of attempt 1'), 'properties: {"greeting":"hello from a board"}');
    const journal = page.getByRole('list', { name: 'Journal' });
    await waitForText(journal.getByRole('listitem'), /run\.status.*to=completed|run\.status.*completed/);
    expect(await journal.getByRole('listitem').filter({ hasText: 'attempt.started' }).count()).to.equal(2);
    await screenshot(page, 'run-desktop');

    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const history = page.getByRole('table', { name: 'Runs' });
    await waitForText(history.getByRole('row'), /completed.*2\/2 completed/);
  });

  it('stops a long run: the run and its instance end stopped and the task\'s process is gone', async function () {
    await navigate(page, 'Workflows');
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Long wait');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f]{24}$/);
    await page.getByRole('button', { name: 'Add instance' }).click();
    await page.getByRole('dialog').getByLabel('Workty').selectOption({ label: 'wait-and-print' });
    await page.getByRole('dialog').getByRole('button', { name: 'Add' }).click();
    const long = page.getByRole('listitem', { name: 'Instance wait-and-print' });
    await long.getByRole('button', { name: 'Edit' }).click();
    await long.getByLabel('timeout', { exact: true }).fill('60000');
    await long.getByRole('button', { name: 'Save' }).click();
    await waitForText(long, 'timeout=60000');

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await long.locator('.card-head .badge[data-state="running"]').waitFor({ timeout: 30_000 });
    await long.getByRole('link', { name: 'output' }).click();
    await page.waitForURL(/\/runs\//);
    const started = page.getByRole('list', { name: 'Journal' }).getByRole('listitem').filter({ hasText: 'attempt.started' });
    await started.waitFor();
    const pid = Number(/pid=(\d+)/.exec((await started.textContent()) ?? '')?.[1]);
    expect(pid, 'the journal shows the task\'s pid').to.be.greaterThan(0);
    expect(alive(pid), 'the task runs').to.equal(true);

    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('.run-status .badge[data-state="stopped"]').waitFor({ timeout: 30_000 });
    await page.getByRole('listitem', { name: 'Instance wait-and-print' }).locator('.card-head .badge[data-state="stopped"]').waitFor();
    await waitFor(() => !alive(pid), { what: 'the stopped task\'s process to be gone', timeoutMs: 15_000 });
    await page.getByRole('button', { name: 'Run again' }).waitFor();
    await screenshot(page, 'run-stopped-desktop');
  });

  it('works on a phone-sized screen: the menu, the fleet, a workflow and a run fit its width', async function () {
    await page.setViewportSize(PHONE);
    try {
      for (const [name, url] of [['fleet', `${platform.url}/fleet`], ['workflow', workflowUrl], ['run', runUrl]] as const) {
        await page.goto(url);
        await page.locator('main h1').first().waitFor();
        await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' });
        const overflow = await page.evaluate(() => {
          const { document, window } = globalThis as InPage;
          return (document.documentElement.scrollWidth as number) - (window.innerWidth as number);
        });
        expect(overflow, `${name} fits a ${PHONE.width} px screen`).to.be.at.most(0);
        await screenshot(page, `${name}-phone`);
      }
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workflows' }).click();
      await page.waitForURL('**/workflows');
      await page.locator(`[data-workflow="${workflowName}"]`).waitFor();
      await screenshot(page, 'workflows-phone');
    } finally {
      await page.setViewportSize(DESKTOP);
    }
  });

  it('stays signed in across a reload (its token, not the password); signing out revokes it', async function () {
    await page.goto(`${platform.url}/fleet`);
    await page.reload();
    await page.getByRole('listitem', { name: 'Device local' }).waitFor();
    expect(await page.evaluate(() => Object.values((globalThis as InPage).sessionStorage as Record<string, string>).join(' '))).not.to.include(platform.adminPassword());
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });
});
