/**
 * The README's socket.io client example, as written: type-checked against the protocol (the JSDoc
 * types it declares) and run with node against a started supervisor — seeded as on first start, with
 * Alice of the walkthrough and a board (simulated: it reports the task done) — printing the state
 * changes of the run it starts.
 */
import { expect } from 'chai';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { PasswordHasher } from '../../../shared/security/passwords.js';
import { seedStore } from '../../../shared/seed/seed.js';
import { ClientHarness } from '../../lib/client-harness.js';
import { silentLogger } from '../../lib/logger.js';
import { runToEnd } from '../../lib/process.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const begin = readme.indexOf('<!-- client-example:begin -->');
  const end = readme.indexOf('<!-- client-example:end -->');
  expect(begin, 'README client example markers').to.be.greaterThan(0);
  const code = /```js\n([\s\S]*?)```/.exec(readme.slice(begin, end))?.[1];
  if (code === undefined) throw new Error('no ```js block between the client-example markers');
  return code;
}

/** Diagnostics of the example checked as JavaScript with its JSDoc types, as if saved at the project root. */
function typeCheck(code: string): string[] {
  const file = join(ROOT, 'client.mjs');
  const options: ts.CompilerOptions = {
    allowJs: true, checkJs: true, noEmit: true, strict: true, skipLibCheck: true, types: ['node'],
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, lib: ['lib.es2023.d.ts'],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, code, language) : getSourceFile.call(host, name, language, ...rest));
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? code : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || d.file.fileName === file)
    .map((d) => `${d.file ? `line ${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('README: the socket.io client example', function () {
  this.timeout(60_000);
  let t: ClientHarness;

  before(async function () {
    t = await ClientHarness.start();
    await seedStore(t.store, {
      dataDir: t.rest.dataDir, adminEmail: 'supervisor@localhost', adminPassword: 'an admin password 0123', hasher: new PasswordHasher({ cost: 4 }), logger: silentLogger(),
    });
    // Alice, as the walkthrough makes her.
    const made = await t.admin.api.post('/accounts', { name: 'Alice', email: 'alice@example.com', password: 'correct horse battery' });
    expect(made.status).to.equal(201);
    await t.admin.api.put(`/accounts/${made.body._id}`, { amount: 500 });
    t.secret('correct horse battery');
  });

  after(async function () {
    await t?.close();
  });

  it('type-checks against the protocol\'s types', function () {
    expect(typeCheck(readmeExample())).to.deep.equal([]);
  });

  it('buys the template, runs a workflow of it and prints its state changes until it ends', async function () {
    await t.worker({ behaviour: () => ({ logs: [{ stream: 'stdout', text: 'waited 1000 ms\n' }] }) });
    // Saved under dist/ so that `socket.io-client` resolves from the project's node_modules.
    const dir = join(ROOT, 'dist', 'test', `readme-client-${process.pid}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    try {
      const script = join(dir, 'client.mjs');
      writeFileSync(script, readmeExample());
      const result = await runToEnd(script, [], {
        WORKTY_SUPERVISOR: t.url, WORKTY_CA: join(t.rest.dataDir, 'tls', 'cert.pem'),
      });
      expect(result.code, `${result.stdout}\n${result.stderr}`).to.equal(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines.filter((line) => /^run [0-9a-f]{24} requested$/.test(line))).to.have.length(1);
      // The instance as added (initial), then its progress, in order.
      const instance = lines.filter((line) => line.startsWith('instance wait a second: ')).map((line) => line.slice('instance wait a second: '.length));
      expect(instance.filter((state, i) => state !== instance[i - 1])).to.deep.equal(['initial', 'waiting', 'running', 'completed']);
      expect(lines.filter((line) => line.startsWith('run: ')).at(-1)).to.equal('run: completed');
      expect(lines.at(-1)).to.equal('finished: completed');
      expect(result.stdout).not.to.include('correct horse battery');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const alice = await t.store.accounts.findCredentialsByEmail('alice@example.com');
    expect(alice?.account.amount).to.equal(400);
  });
});
