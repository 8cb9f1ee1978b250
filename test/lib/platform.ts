/**
 * The whole platform as `npm start` runs it — the launcher with REST, the supervisor (serving the
 * built dashboard) and a real local worker — on free ports, in a temporary data directory.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { roleScript } from './process.js';
import { freePort } from './supervisor-process.js';
import { makeTempDir, type TempDir } from './tmp.js';
import { waitFor } from './wait.js';

export class Platform {
  output = '';

  private constructor(private readonly root: TempDir, private readonly launcher: ChildProcess, readonly supervisorPort: number, readonly restPort: number) {}

  /** Starts the launcher and resolves once it says the platform is running. */
  static async start(env: Record<string, string> = {}): Promise<Platform> {
    const root = makeTempDir('platform');
    const [restPort, supervisorPort] = [await freePort(), await freePort()];
    const launcher = fork(roleScript('launcher'), [], {
      cwd: root.path,
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, WORKTY_DATA_DIR: join(root.path, 'data'), WORKTY_LOG_LEVEL: 'warn',
        WORKTY_BCRYPT_COST: '4', WORKTY_REST_PORT: String(restPort), WORKTY_SUPERVISOR_PORT: String(supervisorPort), ...env,
      },
      execArgv: ['--disable-warning=DEP0111'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const platform = new Platform(root, launcher, supervisorPort, restPort);
    launcher.stdout?.on('data', (chunk: Buffer) => (platform.output += chunk.toString()));
    launcher.stderr?.on('data', (chunk: Buffer) => (platform.output += chunk.toString()));
    try {
      await waitFor(() => platform.output.includes('Workty is running') || launcher.exitCode !== null,
        { timeoutMs: 90_000, what: () => `npm start to be up:\n${platform.output}` });
      if (launcher.exitCode !== null) throw new Error(`the launcher exited (${launcher.exitCode}):\n${platform.output}`);
    } catch (error) {
      await platform.close();
      throw error;
    }
    return platform;
  }

  /** The dashboard's address, as the README tells users to open it. */
  get url(): string {
    return `https://localhost:${this.supervisorPort}`;
  }

  get dataDir(): string {
    return join(this.root.path, 'data');
  }

  /** The admin's password made on first start (`data/admin-password`). */
  adminPassword(): string {
    return readFileSync(join(this.dataDir, 'admin-password'), 'utf8').trim();
  }

  /** The pid of a role's process (a child of the launcher), read from /proc; null when it is not running. */
  rolePid(role: 'supervisor' | 'restapi' | 'worker'): number | null {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // The parent pid is the 4th field of stat, after the command in parentheses.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (parent !== this.launcher.pid) continue;
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(`${role}/main.js`)) return Number(entry);
      } catch {
        // The process ended meanwhile.
      }
    }
    return null;
  }

  /** Stops every role (SIGTERM to the launcher) and removes the data directory; resolves with the launcher's exit code. */
  async close(): Promise<number | null> {
    let code: number | null = this.launcher.exitCode;
    if (code === null) {
      const exited = new Promise<number | null>((resolve) => this.launcher.once('exit', (c) => resolve(c)));
      this.launcher.kill('SIGTERM');
      code = await exited;
    }
    this.root.remove();
    return code;
  }
}
