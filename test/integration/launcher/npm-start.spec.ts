/**
 * `npm start` end to end: the launcher starts REST, supervisor and the local worker; the README's curl
 * walkthrough is executed as written; the sample workflow it runs completes on the local worker.
 */
import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../shared/paths.js';
import { roleScript } from '../../lib/process.js';
import { bash, readmeShellBlocks } from '../../lib/readme.js';
import { freePort } from '../../lib/supervisor-process.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';
import { waitFor } from '../../lib/wait.js';
import { WORKER_NODE_FLAGS } from '../../../worker/node-flags.js';

/** Appended to the walkthrough: wait (bounded) for the run it started, then print what it became. */
const AWAIT_RUN = `
for i in $(seq 1 120); do
  STATUS=$(api -u "$ALICE" "$API/runs/$RUN_ID?fields=status" | json .status)
  case "$STATUS" in completed|failed|stopped) break;; esac
  sleep 0.25
done
echo "RUN STATUS: $STATUS"
api -u "$ALICE" "$API/runs/$RUN_ID/logs" | json '.map((l) => l.text).join("")'
`;

describe('npm start end to end', function () {
  this.timeout(180_000);
  let root: TempDir;
  let launcher: ChildProcess | null = null;
  let output = '';
  let restPort = 0;

  before(async () => {
    root = makeTempDir('npm-start');
    restPort = await freePort();
    const supervisorPort = await freePort();
    launcher = fork(roleScript('launcher'), [], {
      cwd: root.path,
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, WORKTY_DATA_DIR: join(root.path, 'data'), WORKTY_LOG_LEVEL: 'warn',
        WORKTY_BCRYPT_COST: '4', WORKTY_REST_PORT: String(restPort), WORKTY_SUPERVISOR_PORT: String(supervisorPort),
      },
      execArgv: ['--disable-warning=DEP0111'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    launcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('Workty is running') || launcher?.exitCode !== null, { timeoutMs: 90_000, what: () => `npm start to be up:\n${output}` });
    expect(output).to.contain('Workty is running');
  });

  after(async () => {
    if (root === undefined) return;
    if (launcher !== null && launcher.exitCode === null) {
      const exited = new Promise<number | null>((resolve) => launcher!.once('exit', (code) => resolve(code)));
      launcher.kill('SIGTERM');
      expect(await exited, `npm start stops cleanly:\n${output}`).to.equal(0);
    }
    root.remove();
  });

  it('starts the local worker with the worker\'s Node flags, and V8 has nothing to say about them', () => {
    // The launcher's children, from /proc: their command lines, NUL-separated.
    const children = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).flatMap((pid) => {
      try {
        const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
        return ppid === launcher!.pid ? [readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
    const worker = children.find((argv) => argv.some((arg) => arg.endsWith(join('worker', 'main.js'))));
    expect(worker, `the launcher's children: ${JSON.stringify(children)}`).to.not.equal(undefined);
    expect(worker).to.include.members([...WORKER_NODE_FLAGS]);
    expect(output).not.to.match(/Warning: disabling flag/);
  });

  it('runs the README walkthrough with curl: the sample workflow completes on the local worker', async () => {
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
    const script = [...readmeShellBlocks(readme, 'walkthrough'), AWAIT_RUN].join('\n');
    const api = `https://localhost:${restPort}/api/v1`;
    const result = await bash(script, root.path, { PATH: process.env.PATH, HOME: process.env.HOME, WORKTY_API: api });
    expect(result.code, `${result.stdout}\n${result.stderr}`).to.equal(0);
    expect(result.stdout).to.contain('RUN STATUS: completed');
    expect(result.stdout).to.contain('waited 2000 ms');
  });
});
