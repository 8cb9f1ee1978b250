/**
 * The real worker daemon (`dist/worker/main.js`) as a child process, configured through its
 * environment, for end-to-end tests: it dials the supervisor, runs real tasks, keeps a real outbox.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { roleScript } from './process.js';
import { makeTempDir, type TempDir } from './tmp.js';

/** Quick reconnects and flushes, short grace periods: a worker for tests. */
export const FAST_WORKER_ENV: NodeJS.ProcessEnv = {
  WORKTY_LOG_LEVEL: 'info',
  WORKTY_WORKER_SLOTS: '1',
  WORKTY_WORKER_RECONNECT_MIN: '100ms',
  WORKTY_WORKER_RECONNECT_MAX: '500ms',
  WORKTY_WORKER_OUTBOX_FLUSH: '20ms',
  WORKTY_WORKER_ACK_TIMEOUT: '3s',
  WORKTY_WORKER_KILL_GRACE: '500ms',
  WORKTY_WORKER_SHUTDOWN_GRACE: '2s',
  WORKTY_WORKER_REFUSED_BACKOFF: '10ms',
};

export interface WorkerProcessOptions {
  supervisorUrl: string;
  /** PEM file the worker trusts for the supervisor's certificate. */
  caPath: string;
  deviceId: string;
  secret: string;
  env?: NodeJS.ProcessEnv;
}

export class WorkerProcess {
  readonly dir: TempDir;
  child: ChildProcess | null = null;
  output = '';

  constructor(readonly options: WorkerProcessOptions) {
    this.dir = makeTempDir('worker');
  }

  start(): void {
    const { supervisorUrl, caPath, deviceId, secret, env } = this.options;
    const child = spawn(process.execPath, ['--enable-source-maps', '--disable-warning=DEP0111', roleScript('worker')], {
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, ...FAST_WORKER_ENV, ...env,
        WORKTY_SUPERVISOR_URL: supervisorUrl, WORKTY_SUPERVISOR_CA: caPath, WORKTY_DEVICE_ID: deviceId,
        WORKTY_DEVICE_SECRET: secret, WORKTY_WORKER_DIR: this.dir.path,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a signal and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (child === null || !this.running) return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null };
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
    child.kill(signal);
    return exited;
  }

  /** Stops it (SIGKILL if it has not stopped after SIGTERM within the grace) and removes its folder. */
  async dispose(): Promise<void> {
    if (this.running) {
      const timer = setTimeout(() => this.child?.kill('SIGKILL'), 10_000);
      await this.kill('SIGTERM');
      clearTimeout(timer);
    }
    this.dir.remove();
  }
}
