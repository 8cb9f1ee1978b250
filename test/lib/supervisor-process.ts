/**
 * The compiled supervisor (`dist/supervisor/main.js`) as a real child process, for tests that kill it
 * (`kill -9`) and start it again on the same data directory and port.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { roleScript } from './process.js';

/** Short leases and fast polling, as environment variables. */
export const FAST_SUPERVISOR_ENV: NodeJS.ProcessEnv = {
  WORKTY_LEASE_DURATION: '1500ms',
  WORKTY_LEASE_RENEW_INTERVAL: '300ms',
  WORKTY_STALL_CHECK_INTERVAL: '100ms',
  WORKTY_RECONNECT_GRACE: '3s',
  WORKTY_PING_INTERVAL: '1s',
  WORKTY_PING_TIMEOUT: '1s',
  WORKTY_RETRY_BACKOFF: '50ms',
  WORKTY_CHANGE_FEED_POLL: '50ms',
  WORKTY_BCRYPT_COST: '4',
  WORKTY_ADMIN_PASSWORD: 'test-admin-password-0123',
  WORKTY_LOG_LEVEL: 'warn',
};

/** A TCP port that was free a moment ago (for a server that must come back on the same port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class SupervisorProcess {
  child: ChildProcess | null = null;
  output = '';

  constructor(readonly dataDir: string, readonly port: number, readonly env: NodeJS.ProcessEnv = {}) {}

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Starts it and resolves once it reports ready over IPC; rejects if it exits first. */
  start(): Promise<void> {
    const child = fork(roleScript('supervisor'), [], {
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, ...FAST_SUPERVISOR_ENV, ...this.env,
        WORKTY_DATA_DIR: this.dataDir, WORKTY_SUPERVISOR_HOST: '127.0.0.1', WORKTY_SUPERVISOR_PORT: String(this.port),
      },
      execArgv: ['--enable-source-maps', '--disable-warning=DEP0111'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null): void => reject(new Error(`supervisor exited (${code ?? signal}) before ready:\n${this.output}`));
      child.once('exit', onExit);
      child.on('message', (message: { type?: string }) => {
        if (message.type !== 'ready') return;
        child.off('exit', onExit);
        resolve();
      });
    });
  }

  /** Sends a signal and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null };
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
    child.kill(signal);
    return exited;
  }
}
