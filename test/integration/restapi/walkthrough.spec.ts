/**
 * The README's curl walkthrough, executed as written: its ```sh blocks (between the walkthrough
 * markers) run in order in one bash, with the real curl, in a folder laid out as after `npm start`
 * (data/admin-password, data/tls/cert.pem, the seeded sample templates), against a real server.
 */
import { expect } from 'chai';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL } from '../../../shared/domain/query.js';
import { projectRoot } from '../../../shared/paths.js';
import { PasswordHasher } from '../../../shared/security/passwords.js';
import { adminPasswordFile, seedStore } from '../../../shared/seed/seed.js';
import { silentLogger } from '../../lib/logger.js';
import { startTestRestApi } from '../../lib/restapi.js';
import type { TestRestApi } from '../../lib/restapi.js';
import { bash, readmeShellBlocks } from '../../lib/readme.js';
import { makeTempDir } from '../../lib/tmp.js';
import type { TempDir } from '../../lib/tmp.js';

describe('README curl walkthrough', () => {
  let root: TempDir;
  let t: TestRestApi;
  let adminPassword: string;

  before(async function () {
    const curl = await bash('command -v curl', process.cwd(), { PATH: process.env.PATH });
    if (curl.code !== 0) throw new Error('curl is not installed: the walkthrough runs the real curl (apt-get install curl)');
    root = makeTempDir('walkthrough');
    const dataDir = join(root.path, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    t = await startTestRestApi({ dataDir });
    // What the first `npm start` makes: the admin with a generated password, the sample templates.
    await seedStore(t.store, {
      dataDir, adminEmail: 'supervisor@localhost', hasher: new PasswordHasher({ cost: 4 }), logger: silentLogger(),
    });
    adminPassword = readFileSync(adminPasswordFile(dataDir), 'utf8').trim();
    t.secret(adminPassword);
    t.secret('correct horse battery');
  });

  after(async () => {
    await t.assertNoSecretsLeaked();
    await t.close();
    root.remove();
  });

  it('runs as written and does what it says', async () => {
    const blocks = readmeShellBlocks(readFileSync(join(projectRoot, 'README.md'), 'utf8'), 'walkthrough');
    expect(blocks.length).to.be.at.least(4);
    const result = await bash(blocks.join('\n'), root.path, {
      PATH: process.env.PATH, HOME: process.env.HOME, WORKTY_API: `https://localhost:${t.port}/api/v1`,
    });
    if (process.env.WORKTY_SHOW_WALKTHROUGH === "1") process.stdout.write(result.stdout);
    expect(result.code, `exit ${result.code}\n--- stderr\n${result.stderr}\n--- stdout\n${result.stdout}`).to.equal(0);
    expect(result.stderr).to.equal('');

    const alice = (await t.store.accounts.list(ALL, { filter: { email: 'alice@example.com' } })).items[0]!;
    expect(alice.amount).to.equal(400);
    const payments = await t.store.payments.list({ accountId: alice._id });
    expect(payments.items).to.have.length(1);
    const workflow = (await t.store.workflows.list({ accountId: alice._id }, { filter: { name: 'My first workflow' } })).items[0]!;
    expect(workflow.worktiesInstancesIds).to.have.length(1);
    const instance = (await t.store.instances.get(workflow._id, workflow.worktiesInstancesIds[0]!, ALL))!;
    expect(instance.worktyId).to.equal(payments.items[0]!.worktyId);
    expect(instance.properties.find((p) => p.name === 'timeout')!.value).to.equal(2000);
    const runs = await t.store.runs.list(workflow._id, ALL);
    expect(runs.items).to.have.length(1);
    // No supervisor runs in this test: the run is recorded and waits for one.
    expect(runs.items[0]).to.include({ status: 'queued', desired: 'running' });
    expect(result.stdout).to.contain('"status": "queued"');
    expect(result.stdout).to.contain('"type": "run.requested"');
    for (const secret of [adminPassword, 'correct horse battery', '$2b$']) expect(result.stdout).not.to.contain(secret);
  });
});
