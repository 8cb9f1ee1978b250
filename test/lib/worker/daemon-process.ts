/** The worker daemon as a real process (dist/worker/main.js), as the launcher starts it. */
import { fork, type ChildProcess } from 'node:child_process';
import { roleScript } from '../process.js';
import { WORKER_NODE_FLAGS } from '../../../worker/node-flags.js';

export interface DaemonProcess {
  child: ChildProcess;
  /** Resolves on the `{type: 'ready', role: 'worker'}` IPC message. */
  ready: Promise<unknown>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** As the launcher starts roles. */
export const LAUNCHER_NODE_FLAGS = ['--enable-source-maps', '--disable-warning=DEP0111', ...WORKER_NODE_FLAGS];

export function startDaemon(env: Record<string, string>, args: string[] = [], nodeFlags: string[] = LAUNCHER_NODE_FLAGS): DaemonProcess {
  const child = fork(roleScript('worker'), args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    execArgv: nodeFlags,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<unknown>((resolve, reject) => {
    child.on('message', (message: { type?: string }) => {
      if (message?.type === 'ready') resolve(message);
    });
    void exited.then(({ code, signal }) => reject(new Error(`the worker exited (${code ?? signal}) before it was ready:\n${output}`)));
  });
  // A test that fails early must not leave an unhandled rejection behind.
  ready.catch(() => undefined);
  return { child, ready, exited, output: () => output };
}
