/** A benchmark helper process driven by request/answer messages over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export class BenchChild {
  private readonly child: ChildProcess;
  private exited = false;

  constructor(script: string, execArgv: string[] = [], env: NodeJS.ProcessEnv = process.env) {
    // BENCH_PROF=DIR: the supervisor's process writes a CPU profile there (open it in Chrome's DevTools).
    const profile = process.env.BENCH_PROF && script === './supervisor-child.js' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
    this.child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
      execArgv: ['--disable-warning=DEP0111', ...profile, ...execArgv], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.once('exit', () => {
      this.exited = true;
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Sends a command and resolves with the answer of the same type. */
  request<T extends object>(command: { cmd: string } & Record<string, unknown>, timeoutMs = 600_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${command.cmd} within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message: { type?: string; message?: string }): void => {
        if (message.type === 'error') {
          clearTimeout(timer);
          this.child.off('message', onMessage);
          reject(new Error(message.message));
        } else if (message.type === command.cmd) {
          clearTimeout(timer);
          this.child.off('message', onMessage);
          resolve(message as T);
        }
      };
      this.child.on('message', onMessage);
      this.child.send(command);
    });
  }

  /** Sends a signal (e.g. SIGKILL: a crash) and resolves once the process is gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    await gone;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      await this.request({ cmd: 'stop' }, 30_000);
    } catch {
      this.child.kill('SIGKILL');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

/** The child's side: answers each command with `handle`'s result as `{type: cmd, ...}`; after `stop`, lets go of the IPC channel. */
export function answerCommands<C extends { cmd: string }>(handle: (command: C) => Promise<Record<string, unknown>>): void {
  process.on('message', (raw) => {
    const command = raw as C;
    handle(command).then(
      (answer) => {
        process.send?.({ type: command.cmd, ...answer });
        if (command.cmd === 'stop') process.disconnect();
      },
      (error: unknown) => process.send?.({ type: 'error', message: String((error as Error).stack ?? error) }),
    );
  });
}
