/**
 * The compiled REST API (`dist/restapi/main.js`) as a real child process on a given data directory,
 * for tests of changes made by another process (the supervisor learns of them through the store's
 * change feed only).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { loadTls } from '../../shared/security/tls.js';
import { ApiClient } from './https-client.js';
import { roleScript } from './process.js';

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class RestProcess {
  private child: ChildProcess | null = null;
  output = '';
  client!: ApiClient;

  constructor(readonly dataDir: string) {}

  /** Starts it and resolves once it reports ready; rejects if it exits first. */
  async start(): Promise<void> {
    const port = await freeTcpPort();
    const child = fork(roleScript('restapi'), [], {
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, WORKTY_DATA_DIR: this.dataDir, WORKTY_REST_HOST: '127.0.0.1',
        WORKTY_REST_PORT: String(port), WORKTY_BCRYPT_COST: '4', WORKTY_LOG_LEVEL: 'warn', WORKTY_SUPERVISOR_URL: 'https://127.0.0.1:9',
      },
      execArgv: ['--disable-warning=DEP0111'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`restapi exited (${code}) before ready:\n${this.output}`));
      child.once('exit', onExit);
      child.on('message', (message: { type?: string }) => {
        if (message.type !== 'ready') return;
        child.off('exit', onExit);
        resolve();
      });
    });
    this.client = new ApiClient({ host: '127.0.0.1', port, ca: loadTls({ dataDir: this.dataDir }).cert });
  }

  /** SIGTERM, then waits for the exit. */
  async stop(): Promise<void> {
    this.client?.close();
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
}
