import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processGone } from '../../../worker/executor/process-tree.js';
import { probeRuntimes, type RuntimeCommand } from '../../../worker/facts/runtimes.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';
import { startTask } from '../../lib/worker/tasks.js';
import { waitFor } from '../../lib/worker/wait.js';

describe('executor: one attempt in a child process', function () {
  this.timeout(20_000);
  let dir: TempDir;
  let runtimes: Map<string, RuntimeCommand>;

  before(async () => {
    runtimes = new Map((await probeRuntimes(process.env.PATH)).map((r) => [r.name, r]));
  });

  beforeEach(() => {
    dir = makeTempDir('executor');
  });

  afterEach(() => dir.remove());

  const runtime = (name: string) => {
    const found = runtimes.get(name);
    if (found === undefined) throw new Error(`this machine has no ${name}`);
    return found;
  };

  it('runs a node task to completion with its output and JSON result', async () => {
    const run = startTask({
      root: dir.path,
      runtime: runtime('node'),
      entryPoint: 'index.js',
      files: {
        'index.js': `
          const fs = require('fs');
          console.log('hello from ' + process.cwd().split('/').pop());
          console.error('a warning');
          fs.writeFileSync(process.env.WORKTY_RESULT_FILE, JSON.stringify({ answer: 42 }));`,
      },
    });
    const outcome = await run.done;
    expect(outcome).to.deep.equal({ outcome: 'completed', exitCode: 0, signal: null, result: { answer: 42 }, error: null, retryable: false });
    expect(run.events.pid).to.be.a('number');
    expect(run.events.stdout).to.equal('hello from run\n');
    expect(run.events.stderr).to.equal('a warning\n');
  });

  it('gives the properties as the JSON argument and in WORKTY_PROPERTIES, with the attempt\'s identity', async () => {
    const properties = { timeout: 10, name: 'ü "quoted"', flag: true, none: null };
    const run = startTask({
      root: dir.path,
      runtime: runtime('node'),
      entryPoint: 'index.js',
      spec: { properties },
      files: {
        'index.js': `console.log(JSON.stringify({ argv: JSON.parse(process.argv[2]), env: JSON.parse(process.env.WORKTY_PROPERTIES),
          run: process.env.WORKTY_RUN_ID, attempt: process.env.WORKTY_ATTEMPT, tmp: process.env.TMPDIR }));`,
      },
    });
    expect((await run.done).outcome).to.equal('completed');
    const seen = JSON.parse(run.events.stdout) as { argv: unknown; env: unknown; run: string; attempt: string; tmp: string };
    expect(seen.argv).to.deep.equal(properties);
    expect(seen.env).to.deep.equal(properties);
    expect(seen.run).to.match(/^[0-9a-f]{24}$/);
    expect(seen.attempt).to.equal('1');
    expect(seen.tmp).to.equal(join(run.dir, 'tmp'));
  });

  it('never passes the worker\'s secrets on to the task', async () => {
    const run = startTask({
      root: dir.path,
      runtime: runtime('sh'),
      entryPoint: 'run.sh',
      files: { 'run.sh': 'env\n' },
      executor: { baseEnv: { PATH: process.env.PATH, WORKTY_DEVICE_SECRET: 'very-secret-device-key', WORKTY_DEVICE_ID: 'dev-id', NODE_OPTIONS: '--inspect' } },
    });
    expect((await run.done).outcome).to.equal('completed');
    expect(run.events.stdout).not.to.contain('very-secret-device-key');
    expect(run.events.stdout).not.to.contain('WORKTY_DEVICE');
    expect(run.events.stdout).not.to.contain('NODE_OPTIONS');
    expect(run.events.stdout).to.contain('WORKTY_RESULT_FILE=');
  });

  it('reports a non-zero exit as a retryable failure', async () => {
    const run = startTask({ root: dir.path, runtime: runtime('python3'), entryPoint: 'main.py', files: { 'main.py': 'import sys\nprint("bad input", file=sys.stderr)\nsys.exit(3)\n' } });
    const outcome = await run.done;
    expect(outcome).to.deep.include({ outcome: 'failed', exitCode: 3, signal: null, error: 'exited with code 3', retryable: true });
    expect(run.events.stderr).to.contain('bad input\n');
    expect(run.events.stderr).to.contain('[worker] exited with code 3');
  });

  it('kills the whole process tree on timeout, grandchildren included', async () => {
    const pidFile = join(dir.path, 'grandchild.pid');
    const run = startTask({
      root: dir.path,
      runtime: runtime('sh'),
      entryPoint: 'run.sh',
      spec: { timeoutMs: 400 },
      files: { 'run.sh': `sleep 1000 &\necho $! > ${pidFile}\necho started\nwait\n` },
    });
    const outcome = await run.done;
    expect(outcome).to.deep.include({ outcome: 'failed', error: 'timed out after 400 ms', retryable: true });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => processGone(grandchild), { what: `grandchild ${grandchild} to be gone`, timeoutMs: 5000 });
    expect(processGone(run.events.pid!)).to.equal(true);
  });

  it('stops a task that ignores SIGTERM with SIGKILL after the grace period', async () => {
    const run = startTask({
      root: dir.path,
      runtime: runtime('sh'),
      entryPoint: 'run.sh',
      files: { 'run.sh': 'trap "" TERM\necho ready\nwhile true; do sleep 0.05; done\n' },
    });
    await waitFor(() => run.events.stdout.includes('ready'), { what: 'the task to start' });
    run.task.stop({ kind: 'cancel', reason: 'stopped by a user' });
    const outcome = await run.done;
    expect(outcome).to.deep.include({ outcome: 'stopped', signal: 'SIGKILL', error: 'stopped: stopped by a user', retryable: false });
  });

  it('kills what a task left running in the background when it exits', async () => {
    const pidFile = join(dir.path, 'daemon.pid');
    const run = startTask({ root: dir.path, runtime: runtime('sh'), entryPoint: 'run.sh', files: { 'run.sh': `sleep 1000 > /dev/null 2>&1 &\necho $! > ${pidFile}\n` } });
    expect((await run.done).outcome).to.equal('completed');
    const daemon = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => processGone(daemon), { what: 'the background process to be gone', timeoutMs: 5000 });
  });

  it('bounds the output kept and says it was truncated', async () => {
    const run = startTask({
      root: dir.path,
      runtime: runtime('node'),
      entryPoint: 'index.js',
      spec: { maxLogBytes: 2000 },
      files: { 'index.js': 'for (let i = 0; i < 1000; i++) console.log("line " + String(i).padStart(4, "0") + " ".repeat(90));' },
    });
    expect((await run.done).outcome).to.equal('completed');
    expect(Buffer.byteLength(run.events.stdout)).to.equal(2000);
    expect(run.events.stderr).to.contain('[worker] output truncated: the limit of 2000 bytes per attempt was reached');
    expect(run.events.stderr).to.match(/\[worker\] \d+ more bytes of output were dropped/);
  });

  it('fails a completed task whose result is not JSON, or too big, for good', async () => {
    const notJson = startTask({ root: dir.path, runtime: runtime('sh'), entryPoint: 'run.sh', files: { 'run.sh': 'echo "{oops" > "$WORKTY_RESULT_FILE"\n' } });
    const first = await notJson.done;
    expect(first).to.deep.include({ outcome: 'failed', exitCode: 0, retryable: false });
    expect(first.error).to.match(/^the result file is not valid JSON/);
    const big = startTask({
      root: dir.path, runtime: runtime('sh'), entryPoint: 'run.sh', executor: { maxResultBytes: 1024 },
      files: { 'run.sh': 'head -c 5000 /dev/zero | tr "\\0" "1" > "$WORKTY_RESULT_FILE"\n' },
    });
    expect((await big.done).error).to.equal('the result file is 5000 bytes, over the limit of 1024');
  });

  it('fails for good when the board has no such runtime, or it cannot start', async () => {
    const none = startTask({ root: dir.path, runtime: null, entryPoint: 'main.cob', files: { 'main.cob': '' } });
    expect(await none.done).to.deep.include({ outcome: 'failed', error: 'this board has no runtime "cobol"', retryable: false });
    const vanished = startTask({ root: dir.path, runtime: { name: 'ruby', command: '/nonexistent/ruby', version: null }, entryPoint: 'x.rb', files: { 'x.rb': '' } });
    const outcome = await vanished.done;
    expect(outcome).to.deep.include({ outcome: 'failed', retryable: false });
    expect(outcome.error).to.match(/^cannot start ruby: .*ENOENT/);
  });
});
