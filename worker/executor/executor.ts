/**
 * Runs one attempt of a task in a child process (the task contract of docs/tasks.md):
 * `<runtime> <entryPoint> '<properties JSON>'` in the attempt's working directory, output streamed
 * and bounded, an optional JSON result read from a file, exit code 0 = completed. A timeout or a stop
 * kills the whole process tree (SIGTERM, then SIGKILL after a grace period); processes the task left
 * behind are killed when it exits.
 *
 * Node tasks get an IPC channel for the SDK (`worker/sdk/`): state changes and checkpoints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import type { Checkpoint, PropertyValue } from '../../shared/domain/model.js';
import type { Logger } from '../../shared/log.js';
import type { AttemptKey } from '../../shared/protocol/worker.js';
import type { RuntimeCommand } from '../facts/runtimes.js';
import { OutputCollector, type OutputStream } from './output.js';
import { signalGroup } from './process-tree.js';
import { SdkChannel } from './sdk-channel.js';
import { taskEnv } from './task-env.js';

export interface TaskSpec {
  key: AttemptKey;
  /** The runtime to run the entry point with; null when this board has none of that name. */
  runtime: RuntimeCommand | null;
  /** The runtime's name as dispatched (for messages). */
  runtimeName: string;
  /** Relative to `cwd`. */
  entryPoint: string;
  cwd: string;
  /** Where the task may write its JSON result (outside `cwd`). */
  resultFile: string;
  /** The task's TMPDIR (removed with the attempt). */
  tmpDir: string;
  properties: Record<string, PropertyValue>;
  /** 0 = no timeout. */
  timeoutMs: number;
  maxLogBytes: number;
  checkpoint: Checkpoint | null;
}

export interface ExecutorOptions {
  killGraceMs: number;
  maxResultBytes: number;
  maxCheckpointBytes: number;
  /** Gathered output is reported after this long at most. */
  outputFlushMs: number;
  sdkPath: string;
  baseEnv: NodeJS.ProcessEnv;
  extraEnvNames: readonly string[];
}

/** What the executor tells its caller while the task runs. */
export interface TaskHooks {
  started(pid: number): void;
  output(stream: OutputStream, text: string): void;
  progress(state: string): void;
  /** Resolves once the checkpoint is durable (the task waits for it). */
  checkpoint(checkpoint: Checkpoint): Promise<void>;
}

export interface TaskOutcome {
  outcome: 'completed' | 'failed' | 'stopped';
  exitCode: number | null;
  signal: string | null;
  result: unknown;
  error: string | null;
  retryable: boolean;
}

/** Why the worker ends a task early. */
export type StopCause =
  /** A user stopped it, or the supervisor cancelled it. */
  | { kind: 'cancel'; reason: string }
  /** It ran past its timeout. */
  | { kind: 'timeout' }
  /** The worker is shutting down. */
  | { kind: 'shutdown' };

/** How long to wait for a task's output pipes to close after it exited (a grandchild may hold them). */
const PIPE_CLOSE_WAIT_MS = 2000;

export class TaskProcess {
  /** Settles once the task is over and its output is reported. */
  readonly done: Promise<TaskOutcome>;
  private child: ChildProcess | null = null;
  private stopCause: StopCause | null = null;
  private exited = false;
  private killTimer: NodeJS.Timeout | null = null;
  private timeoutTimer: NodeJS.Timeout | null = null;

  constructor(private readonly spec: TaskSpec, private readonly hooks: TaskHooks, private readonly options: ExecutorOptions, private readonly logger: Logger) {
    this.done = this.run();
  }

  /** Ends the task early: SIGTERM to its process group, SIGKILL after the grace period. Idempotent. */
  stop(cause: StopCause): void {
    if (this.stopCause !== null || this.exited) return;
    this.stopCause = cause;
    // Not spawned yet: the 'spawn' handler kills it as soon as it has a pid.
    if (this.child?.pid !== undefined) this.kill(this.child.pid);
  }

  private kill(pid: number): void {
    this.logger.info({ cause: this.stopCause?.kind, pid }, 'stopping task');
    this.signal(pid, 'SIGTERM');
    this.killTimer = setTimeout(() => this.signal(pid, 'SIGKILL'), this.options.killGraceMs);
  }

  private async run(): Promise<TaskOutcome> {
    const { spec } = this;
    if (spec.runtime === null) {
      return failure(`this board has no runtime "${spec.runtimeName}"`, false);
    }
    const output = new OutputCollector({ maxBytes: spec.maxLogBytes, flushMs: this.options.outputFlushMs }, (stream, text) => this.hooks.output(stream, text));
    const ipc = spec.runtime.name === 'node';
    let child: ChildProcess;
    try {
      child = spawn(spec.runtime.command, [spec.entryPoint, JSON.stringify(spec.properties)], {
        cwd: spec.cwd,
        env: taskEnv({ ...spec, sdkPath: this.options.sdkPath, baseEnv: this.options.baseEnv, extraNames: this.options.extraEnvNames }),
        detached: true,
        stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
        serialization: 'json',
      });
    } catch (error) {
      return failure(`cannot start ${spec.runtimeName}: ${(error as Error).message}`, false);
    }
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => output.write('stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.write('stderr', chunk));
    const pipesClosed = Promise.all([child.stdout, child.stderr].map((s) => new Promise<void>((resolve) => {
      if (s === null) resolve();
      else s.once('close', () => resolve());
    })));
    if (ipc) new SdkChannel(child, this.hooks, output, this.options.maxCheckpointBytes, this.logger).listen();

    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { spawnError: Error }>((resolve) => {
      child.once('spawn', () => {
        this.hooks.started(child.pid!);
        if (this.stopCause !== null) this.kill(child.pid!);
        if (spec.timeoutMs > 0) this.timeoutTimer = setTimeout(() => this.stop({ kind: 'timeout' }), spec.timeoutMs);
      });
      child.once('error', (error) => {
        if (child.pid === undefined) resolve({ spawnError: error });
        else this.logger.warn({ err: error }, 'task process error');
      });
      child.once('exit', (code, signal) => {
        // A spawn that failed is reported by 'error'.
        if (child.pid !== undefined) resolve({ code, signal });
      });
    });
    this.exited = true;
    this.clearTimers();
    if ('spawnError' in exit) {
      output.end();
      return failure(`cannot start ${spec.runtimeName}: ${exit.spawnError.message}`, false);
    }
    // Whatever the task left running in its group goes with it.
    this.signal(child.pid!, 'SIGKILL');
    const timedOut = await Promise.race([pipesClosed.then(() => false), delay(PIPE_CLOSE_WAIT_MS).then(() => true)]);
    if (timedOut) {
      output.note('output pipes stayed open after the task exited (a process left its group?); closed them');
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
    if (child.connected) child.disconnect();
    const outcome = await this.outcome(exit.code, exit.signal);
    if (outcome.error !== null && outcome.outcome !== 'completed') output.note(outcome.error);
    output.end();
    return outcome;
  }

  private async outcome(code: number | null, signal: NodeJS.Signals | null): Promise<TaskOutcome> {
    const base = { exitCode: code, signal };
    const cause = this.stopCause;
    const result = await readResult(this.spec.resultFile, this.options.maxResultBytes);
    const value = result.ok ? result.value : null;
    if (cause?.kind === 'cancel') return { ...base, outcome: 'stopped', result: value, error: `stopped: ${cause.reason}`, retryable: false };
    if (cause?.kind === 'timeout') return { ...base, outcome: 'failed', result: value, error: `timed out after ${this.spec.timeoutMs} ms`, retryable: true };
    if (cause?.kind === 'shutdown') {
      return { ...base, outcome: 'failed', result: value, error: 'the worker shut down before the attempt finished', retryable: true };
    }
    if (code !== 0) {
      const error = code === null ? `killed by signal ${signal ?? 'unknown'}` : `exited with code ${code}`;
      return { ...base, outcome: 'failed', result: value, error, retryable: true };
    }
    if (!result.ok) return { ...base, outcome: 'failed', result: null, error: result.error, retryable: false };
    return { ...base, outcome: 'completed', result: result.value, error: null, retryable: false };
  }

  private signal(pid: number, signal: NodeJS.Signals): void {
    try {
      signalGroup(pid, signal);
    } catch (error) {
      this.logger.error({ err: error, pid, signal }, 'could not signal the task\'s process group');
    }
  }

  private clearTimers(): void {
    if (this.timeoutTimer !== null) clearTimeout(this.timeoutTimer);
    if (this.killTimer !== null) clearTimeout(this.killTimer);
    this.timeoutTimer = null;
    this.killTimer = null;
  }
}

function failure(error: string, retryable: boolean): TaskOutcome {
  return { outcome: 'failed', exitCode: null, signal: null, result: null, error, retryable };
}

type ResultRead = { ok: true; value: unknown } | { ok: false; error: string };

/** The task's JSON result: none (null) when the file is absent; an error when too big or not JSON. */
export async function readResult(file: string, maxBytes: number): Promise<ResultRead> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, value: null };
    return { ok: false, error: `cannot read the result file: ${(error as Error).message}` };
  }
  if (size > maxBytes) return { ok: false, error: `the result file is ${size} bytes, over the limit of ${maxBytes}` };
  const text = await readFile(file, 'utf8');
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: `the result file is not valid JSON: ${(error as Error).message}` };
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
