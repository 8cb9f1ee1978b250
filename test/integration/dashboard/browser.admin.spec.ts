/**
 * The dashboard's admin views in a real headless Chromium against `npm start`'s platform: register a
 * device (its secret shown once, copied, accepted by the supervisor), watch a board come online and be
 * cut off by a credential rotation, disable it; create and fund an account and see the dashboard as
 * that user; publish a template from a zip upload, edit it, buy it (refused, then funded) and run it;
 * stay signed in and come back live by itself when the supervisor restarts (graceful or killed). The
 * steps build on each other, in order.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, navigate, screenshot, signIn, waitForText, type InPage, type TestBrowser } from '../../lib/browser.js';
import { Platform } from '../../lib/platform.js';
import { SimulatedWorker } from '../../lib/simulated-worker.js';
import { nodeTask } from '../../lib/test-packages.js';
import { makeTempDir } from '../../lib/tmp.js';
import { waitFor } from '../../lib/wait.js';

const ADMIN = 'supervisor@localhost';
const ALICE = { name: 'Alice', email: `alice-${Date.now().toString(36)}@example.com`, password: 'correct horse battery' };

describe('dashboard in a browser: devices, accounts, templates, supervisor restarts', function () {
  this.timeout(120_000);
  let platform: Platform;
  let browser: TestBrowser;
  let page: Page;
  const boards: SimulatedWorker[] = [];
  /** The device registered by the first step. */
  let garage = { deviceId: '', secret: '' };

  /** A board dialling the platform's supervisor with a device credential. */
  function board(deviceId: string, secret: string): SimulatedWorker {
    const worker = new SimulatedWorker({
      url: `https://localhost:${platform.supervisorPort}`, ca: readFileSync(join(platform.dataDir, 'tls', 'cert.pem'), 'utf8'), deviceId, secret,
    });
    boards.push(worker);
    return worker;
  }

  /** The value shown in a dialog's read-only field. */
  async function shown(label: string): Promise<string> {
    return page.getByRole('dialog').getByLabel(label, { exact: true }).inputValue();
  }

  before(async function () {
    this.timeout(180_000);
    platform = await Platform.start();
    browser = await launchBrowser();
    page = browser.page;
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: platform.url });
    await signIn(page, platform.url, ADMIN, platform.adminPassword());
  });

  after(async function () {
    this.timeout(60_000);
    for (const worker of boards) worker.close();
    await browser?.close();
    if (platform !== undefined) expect(await platform.close(), `npm start stops cleanly:\n${platform.output}`).to.equal(0);
  });

  it('registers a device: its secret is shown once and copied; a board using it shows online live', async function () {
    await navigate(page, 'Fleet');
    await page.getByRole('button', { name: 'Register a device' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('Name').fill('garage-pi');
    await form.getByLabel('Labels').fill('arm64, garage');
    await form.getByRole('button', { name: 'Register' }).click();
    await waitForText(page.getByRole('dialog'), 'Shown once.');
    const deviceId = await shown('Device id');
    const secret = await shown('Device secret');
    expect(deviceId).to.match(/^[0-9a-f]{24}$/);
    expect(secret.length).to.be.greaterThan(40);
    expect(await shown('Start its worker with')).to.include(`WORKTY_DEVICE_SECRET=${secret}`);
    await page.getByRole('dialog').getByRole('button', { name: 'Copy' }).nth(1).click();
    await waitForText(page.getByRole('dialog'), 'Copied to the clipboard.');
    expect(await page.evaluate(() => ((globalThis as InPage).navigator.clipboard.readText() as Promise<string>))).to.equal(secret);
    await screenshot(page, 'device-secret-desktop');
    await page.getByRole('button', { name: 'I have copied the secret' }).click();

    const card = page.getByRole('listitem', { name: 'Device garage-pi' });
    await card.locator('.badge[data-state="disconnected"]').waitFor();
    await waitForText(card.getByRole('list', { name: 'Labels' }), 'arm64');
    expect(await card.textContent()).not.to.include(secret);
    await board(deviceId, secret).connect();
    await card.locator('.badge[data-state="waiting"]').waitFor();
    await waitForText(card, /Runtimes\s*node/);
    garage = { deviceId, secret };
  });

  it('rotates the credential: the new secret is shown once, the board is cut off and its old secret refused; then disables the device', async function () {
    const { deviceId, secret } = garage;
    const online = boards[boards.length - 1]!;
    const cut = new Promise((resolve) => online.once('disconnected', resolve));
    const card = page.getByRole('listitem', { name: 'Device garage-pi' });
    await card.getByRole('button', { name: 'Rotate credential' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    await waitForText(page.getByRole('dialog'), 'Shown once.');
    const rotated = await shown('Device secret');
    expect(rotated).not.to.equal(secret);
    await page.getByRole('button', { name: 'I have copied the secret' }).click();
    await cut;
    await card.locator('.badge[data-state="disconnected"]').waitFor();
    expect((await board(deviceId, secret).refusal()).message).to.match(/credential|secret|invalid/i);
    await board(deviceId, rotated).connect();
    await card.locator('.badge[data-state="waiting"]').waitFor();

    await card.getByRole('button', { name: 'Disable' }).click();
    await card.locator('.badge-disabled').waitFor();
    await card.locator('.badge[data-state="disconnected"]').waitFor();
    await card.getByRole('button', { name: 'Enable' }).waitFor();
    await screenshot(page, 'fleet-admin-desktop');
  });

  it('creates and funds an account; its user sees only their own dashboard', async function () {
    await navigate(page, 'Accounts');
    await page.getByRole('button', { name: 'New account' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('Name').fill(ALICE.name);
    await form.getByLabel('Email').fill(ALICE.email);
    await form.getByLabel('Password').fill(ALICE.password);
    await form.getByLabel('Starting balance').fill('2.50');
    await form.getByRole('button', { name: 'Create' }).click();
    const row = page.getByRole('listitem', { name: `Account ${ALICE.email}` });
    await waitForText(row, 'balance 2.50');
    await row.getByRole('button', { name: 'Fund' }).click();
    await page.getByLabel('Amount to add').fill('1.5');
    await page.getByRole('dialog').getByRole('button', { name: 'Add' }).click();
    await waitForText(row, 'balance 4.00');
    await screenshot(page, 'accounts-desktop');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, platform.url, ALICE.email, ALICE.password);
    await page.waitForURL('**/workflows');
    const links = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    expect(links).to.deep.equal(['Workflows', 'Catalogue']);
    await page.goto(`${platform.url}/fleet`);
    await waitForText(page.locator('main'), 'The fleet is for administrators.');
    await navigate(page, 'Catalogue');
    await waitForText(page.locator('.balance'), '4.00');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, platform.url, ADMIN, platform.adminPassword());
  });

  it('publishes a template from a zip upload; it is installed, run, and prints as written', async function () {
    const zip = makeTempDir('template');
    try {
      const path = join(zip.path, 'greeter.zip');
      writeFileSync(path, await nodeTask("const { who } = JSON.parse(process.argv[2]); console.log(`hello ${who}, from an uploaded package`);"));
      await navigate(page, 'Templates');
      await page.getByRole('button', { name: 'Publish a template' }).click();
      const form = page.getByRole('dialog');
      await form.getByLabel('Name').fill('greeter');
      await form.getByLabel('Description').fill('Greets whoever `who` names');
      await form.getByLabel('Runtime').selectOption({ label: 'nodejs 20' });
      await form.getByLabel('Entry point').fill('index.js');
      await form.getByLabel(/^Package/).setInputFiles(path);
      await form.getByLabel('Properties').fill('who=world');
      await form.getByRole('button', { name: 'Publish' }).click();
    } finally {
      zip.remove();
    }
    const template = page.locator('[data-template="greeter"]');
    await waitForText(template, 'who="world"');
    await waitForText(template, /Package\s*\d+ B/);
    // Its properties are edited in place: one changed, one added.
    await template.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('dialog').getByLabel('Properties').fill('who=world\nlanguage=en');
    await page.getByRole('dialog').getByLabel('Price').fill('0.50');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await waitForText(template, 'language="en"');
    await waitForText(template, /Price\s*0\.50/);
    await screenshot(page, 'templates-desktop');

    // The admin's balance is 0: the purchase is refused, saying why, until the account is funded.
    await navigate(page, 'Catalogue');
    const greeter = page.getByRole('listitem', { name: 'Template greeter' });
    await greeter.getByRole('button', { name: 'Install for 0.50' }).click();
    await waitForText(page.getByRole('alert'), 'Not enough funds: the price is 50 cents, the balance is 0 cents');
    await navigate(page, 'Accounts');
    await page.getByRole('listitem', { name: `Account ${ADMIN}` }).getByRole('button', { name: 'Fund' }).click();
    await page.getByLabel('Amount to add').fill('1');
    await page.getByRole('dialog').getByRole('button', { name: 'Add' }).click();
    await navigate(page, 'Catalogue');
    await waitForText(page.locator('.balance'), '1.00');
    await greeter.getByRole('button', { name: 'Install for 0.50' }).click();
    await waitForText(page.locator('.balance'), '0.50');
    await page.locator('[data-workty="greeter"]').waitFor();
    await navigate(page, 'Workflows');
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Greetings');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f]{24}$/);
    await page.getByRole('button', { name: 'Add instance' }).click();
    await page.getByRole('dialog').getByLabel('Workty').selectOption({ label: 'greeter' });
    await page.getByRole('dialog').getByRole('button', { name: 'Add' }).click();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const instance = page.getByRole('listitem', { name: 'Instance greeter' });
    await instance.locator('.card-head .badge[data-state="completed"]').waitFor({ timeout: 60_000 });
    await instance.getByRole('link', { name: 'output' }).click();
    await waitForText(page.getByLabel('Output of attempt 1'), 'hello world, from an uploaded package');
  });

  /** Stops the supervisor with `signal`; the launcher restarts it, the page must come back live by itself. */
  async function restartSupervisor(signal: NodeJS.Signals, label: string): Promise<void> {
    const local = page.getByRole('listitem', { name: 'Device local' });
    await local.locator('.badge[data-state="waiting"]').waitFor();
    const pid = platform.rolePid('supervisor');
    expect(pid, 'the supervisor runs').to.be.a('number');
    process.kill(pid!, signal);
    await page.getByText('Connection lost — reconnecting…').waitFor();
    // The launcher starts it again; the page reconnects with its token and reads everything again.
    await page.getByText('Connection lost — reconnecting…').waitFor({ state: 'detached', timeout: 60_000 });
    await waitFor(() => { const now = platform.rolePid('supervisor'); return now !== null && now !== pid; }, { what: 'the supervisor to be restarted' });
    await local.locator('.badge[data-state="waiting"]').waitFor({ timeout: 60_000 });
    // Live again: a change made now arrives.
    await local.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('dialog').getByLabel('Labels').fill(`local, ${label}`);
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await waitForText(local.getByRole('list', { name: 'Labels' }), label);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible(), 'still signed in').to.equal(true);
  }

  it('stays signed in while the supervisor restarts (it ends its sessions as it shuts down), and comes back live by itself', async function () {
    await navigate(page, 'Fleet');
    await restartSupervisor('SIGTERM', 'after-restart');
  });

  it('comes back live by itself after the supervisor crashed (killed) and was restarted', async function () {
    await restartSupervisor('SIGKILL', 'after-crash');
  });
});
