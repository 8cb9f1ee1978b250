/**
 * The worker image's file set — what `node dist/scripts/worker-files.js --out /out` copies and
 * docker/worker.Dockerfile takes, and what `npm run worker:bundle` packs for boards without docker —
 * is complete on its own: copied to a folder outside the project, the worker runs from it against a
 * real supervisor (node, python, shell and SDK steps), its terminal logs and enrol work, and it holds
 * no server code and no native module (so the same files serve amd64, arm64 and armv7).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../../shared/paths.js';
import { zipFolder } from '../../../shared/seed/package.js';
import { copyWorkerFiles, SERVICE_UNIT } from '../../../scripts/worker-files.js';
import { EngineHarness } from '../../lib/engine-harness.js';
import { runCommand } from '../../lib/process.js';
import { packageOf } from '../../lib/test-packages.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';
import { waitFor } from '../../lib/wait.js';

async function run(cwd: string, args: string[], stdin = ''): Promise<{ code: number | null; output: string }> {
  const { code, stdout, stderr } = await runCommand(process.execPath, args, { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdin });
  return { code, output: stdout + stderr };
}

describe('deployment: the worker image\'s files', function () {
  this.timeout(120_000);
  let out: TempDir;
  let files: string[];

  before(async () => {
    out = makeTempDir('worker-files');
    files = await copyWorkerFiles(out.path, projectRoot, { service: true });
  });

  after(() => out?.remove());

  it('hold the worker, its SDK, enrol and the systemd unit, and no server code, server package or native module', () => {
    expect(files).to.include.members(['dist/worker/main.js', 'dist/worker/enrol.js', 'dist/worker/sdk/index.js', 'package.json', SERVICE_UNIT]);
    const dist = files.filter((f) => f.startsWith('dist/'));
    expect(dist.filter((f) => /^dist\/(restapi|supervisor|launcher|test|bench)\//.test(f))).to.deep.equal([]);
    const packages = new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/').slice(1, f.split('/')[1]!.startsWith('@') ? 3 : 2).join('/')));
    for (const server of ['better-sqlite3', 'bcrypt', 'mongoose', 'mongodb', 'restify', 'socket.io', 'passport', '@socket.io/mongo-adapter']) {
      expect(packages.has(server), server).to.equal(false);
    }
    expect(packages).to.include.members(['socket.io-client', 'pino', 'pino-pretty', 'yauzl', 'zod', 'machina', 'commander']);
    expect(files.filter((f) => f.endsWith('.node'))).to.deep.equal([]);
  });

  it('run the worker on their own, outside the project: node, python, shell and SDK steps complete against a real supervisor', async () => {
    const h = await EngineHarness.start();
    const workerDir = makeTempDir('worker-files-state');
    const credential = await h.device();
    const worker = spawn(process.execPath, ['dist/worker/main.js'], {
      cwd: out.path,
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, WORKTY_LOG_LEVEL: 'warn', WORKTY_SUPERVISOR_URL: h.url, WORKTY_SUPERVISOR_CA: h.tls.certPath,
        WORKTY_DEVICE_ID: credential.device._id, WORKTY_DEVICE_SECRET: credential.secret, WORKTY_WORKER_DIR: workerDir.path,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    worker.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => h.supervisor.registry.get(credential.device._id)?.ready === true || worker.exitCode !== null, {
        timeoutMs: 30_000, what: () => `the worker to connect; its output:\n${output}`,
      });
      const { workflow } = await h.workflow([
        { language: 'nodejs', entryPoint: 'index.js', packageBytes: await packageOf({ 'index.js': 'console.log("node step")' }) },
        { language: 'python', entryPoint: 'main.py', packageBytes: await packageOf({ 'main.py': 'print("python step")' }) },
        { language: 'shell', entryPoint: 'run.sh', packageBytes: await packageOf({ 'run.sh': 'echo "shell step"' }) },
        {
          language: 'nodejs', entryPoint: 'index.mjs', packageBytes: await zipFolder(join(projectRoot, 'shared', 'seed', 'workties', 'sdk-pipeline')),
          properties: [{ name: 'records', value: 2 }, { name: 'stepMs', value: 5 }, { name: 'failOnceAt', value: '' }],
        },
      ]);
      const done = await h.finished((await h.run(workflow))._id, 30_000);
      expect(done.status, output).to.equal('completed');
      expect(done.instances.map((i) => i.attempts.map((a) => a.status))).to.deep.equal([['completed'], ['completed'], ['completed'], ['completed']]);
      worker.kill('SIGTERM');
      expect(await exited).to.equal(0);
    } finally {
      if (worker.exitCode === null) worker.kill('SIGKILL');
      await exited;
      workerDir.remove();
      await h.close();
    }
  });

  it('log human-readably on a terminal (pino-pretty in its worker thread), pretty-print stored lines, and enrol', async () => {
    const pretty = await run(out.path, ['--input-type=module', '-e', `
      const { createLogger } = await import('./dist/shared/log.js');
      const logger = createLogger({ role: 'worker', level: 'info', pretty: true, fields: { deviceId: 'board-1' } });
      logger.info({ runId: 'run-1' }, 'pretty from the image');
      await new Promise((resolve) => logger.flush(resolve));
      await new Promise((resolve) => setTimeout(resolve, 300));
    `]);
    expect(pretty.code, pretty.output).to.equal(0);
    expect(pretty.output).to.contain('pretty from the image').and.contain('deviceId').and.not.contain('{"level"');
    const stored = await run(out.path, [join('node_modules', 'pino-pretty', 'bin.js')], '{"level":30,"time":1,"msg":"a stored line","deviceId":"board-1"}\n');
    expect(stored.code, stored.output).to.equal(0);
    expect(stored.output).to.contain('INFO').and.contain('a stored line').and.contain('deviceId: "board-1"');
    const help = await run(out.path, ['dist/worker/enrol.js', '--help']);
    expect(help.code).to.equal(0);
    expect(help.output.replace(/\s+/g, ' ')).to.contain('--supervisor-url').and.contain('(default: "/etc/workty/worker.env")');
  });
});
