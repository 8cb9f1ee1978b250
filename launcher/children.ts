/**
 * The roles the launcher runs as child processes. A child that dies unexpectedly is started again
 * after a growing delay (a board's worker or a server can crash; the platform should come back), and
 * all of them are stopped with SIGTERM — then SIGKILL after a grace period — on shutdown.
 *
 * A role tells it is serving by sending `{ type: 'ready', role, url? }` over the IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Logger } from '../shared/log.js';

export interface RoleSpec {
  role: string;
  /** The compiled entry point. */
  script: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Node.js flags of the role, besides the launcher's own. */
  nodeFlags?: readonly string[];
}

export interface ReadyMessage {
  type: 'ready';
  role: string;
  url?: string;
}

const MIN_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** A child that lived this long is considered healthy again: its next crash restarts quickly. */
const HEALTHY_AFTER_MS = 60_000;

function isReadyMessage(message: unknown): message is ReadyMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ready';
}

export class RoleProcess extends EventEmitter<{ ready: [ReadyMessage]; exit: [number | null, NodeJS.Signals | null] }> {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restartDelay = MIN_RESTART_DELAY_MS;
  private restartTimer: NodeJS.Timeout | null = null;
  private startedAt = 0;

  constructor(private readonly spec: RoleSpec, private readonly logger: Logger) {
    super();
  }

  start(): void {
    this.startedAt = Date.now();
    const child = fork(this.spec.script, this.spec.args, {
      env: this.spec.env,
      execArgv: ['--enable-source-maps', '--disable-warning=DEP0111', ...(this.spec.nodeFlags ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    child.on('message', (message) => {
      if (isReadyMessage(message)) this.emit('ready', message);
    });
    child.on('exit', (code, signal) => {
      this.child = null;
      this.emit('exit', code, signal);
      if (this.stopping) return;
      if (Date.now() - this.startedAt > HEALTHY_AFTER_MS) this.restartDelay = MIN_RESTART_DELAY_MS;
      this.logger.error({ role: this.spec.role, code, signal, restartInMs: this.restartDelay }, 'role exited unexpectedly; restarting');
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        this.start();
      }, this.restartDelay);
      this.restartDelay = Math.min(this.restartDelay * 2, MAX_RESTART_DELAY_MS);
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.logger.warn({ role: this.spec.role, graceMs }, 'role did not stop in time; killing it');
      child.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }
}
