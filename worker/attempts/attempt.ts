/**
 * One dispatched attempt on this board, from acceptance to cleanup: fetch the package (cache),
 * unpack it safely into the attempt's own folder, run the task, report everything through the outbox,
 * remove the folder.
 *
 * Folder of an attempt: `<work>/<run>-<instance>-<attempt>/` holding `run/` (the unpacked package, the
 * task's working directory), `tmp/` (its TMPDIR) and `result.json` (WORKTY_RESULT_FILE).
 */
import { createHash } from 'node:crypto';
import { mkdir, realpath, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Checkpoint } from '../../shared/domain/model.js';
import type { Logger } from '../../shared/log.js';
import type { AttemptKey, Dispatch } from '../../shared/protocol/worker.js';
import { TaskProcess, type ExecutorOptions, type StopCause, type TaskOutcome } from '../executor/executor.js';
import type { RuntimeCommand } from '../facts/runtimes.js';
import type { Outbox, ReportBody } from '../outbox/outbox.js';
import { attemptId } from '../outbox/records.js';
import type { PackageCache } from '../packages/cache.js';
import { PackageRejectedError, unzipSafely, type UnzipLimits } from '../packages/unzip.js';

export interface AttemptDeps {
  outbox: Outbox;
  cache: PackageCache;
  runtimes: ReadonlyMap<string, RuntimeCommand>;
  /** Parent of the attempts' folders. */
  workRoot: string;
  unzipLimits: UnzipLimits;
  executor: ExecutorOptions;
  /** This board's ceiling of output kept per attempt. */
  maxLogBytes: number;
  logger: Logger;
}

/** Longest error text reported (the supervisor stores at most 4096 characters). */
const MAX_ERROR_CHARS = 4000;

export type AttemptPhase = 'preparing' | 'running' | 'cleaning';

export class Attempt {
  readonly id: string;
  readonly key: AttemptKey;
  /** Settles once the attempt is over, reported (or withheld) and its folder removed. */
  readonly done: Promise<void>;
  phase: AttemptPhase = 'preparing';
  /** Its outcome, when the finished report was withheld for the agent to hand the attempt back. */
  withheldOutcome: TaskOutcome | null = null;
  private readonly abort = new AbortController();
  private task: TaskProcess | null = null;
  private stopCause: StopCause | null = null;
  private dropped = false;
  private withhold = false;
  private readonly logger: Logger;

  constructor(private readonly dispatch: Dispatch, private readonly deps: AttemptDeps) {
    this.key = { runId: dispatch.runId, instanceId: dispatch.instanceId, attempt: dispatch.attempt, leaseToken: dispatch.leaseToken };
    this.id = attemptId(this.key);
    this.logger = deps.logger.child({ runId: dispatch.runId, instanceId: dispatch.instanceId, attempt: dispatch.attempt });
    this.done = this.run();
  }

  /**
   * Ends the attempt early (kills its process tree). With `withholdFinish`, no finished report is
   * made: the outcome is kept in `withheldOutcome` for the caller (graceful shutdown hands it back).
   */
  stop(cause: StopCause, options: { withholdFinish?: boolean } = {}): void {
    if (options.withholdFinish === true) this.withhold = true;
    if (this.stopCause !== null) return;
    this.stopCause = cause;
    this.abort.abort(new Error(describeStop(cause)));
    this.task?.stop(cause);
  }

  /** The supervisor no longer considers it ours: kill it and make no more reports. */
  drop(): void {
    this.dropped = true;
    this.stop({ kind: 'cancel', reason: 'lease lost' });
  }

  private async run(): Promise<void> {
    const dir = join(this.deps.workRoot, folderName(this.key));
    try {
      const outcome = await this.execute(dir);
      this.finish(outcome);
    } catch (error) {
      this.logger.error({ err: error }, 'attempt failed unexpectedly');
      this.finish({ outcome: 'failed', exitCode: null, signal: null, result: null, error: `worker error: ${(error as Error).message}`, retryable: true });
    } finally {
      this.phase = 'cleaning';
      await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch((error: unknown) => {
        this.logger.error({ err: error, dir }, 'could not remove the attempt folder');
      });
    }
  }

  private async execute(dir: string): Promise<TaskOutcome> {
    const { dispatch, deps } = this;
    const runDir = join(dir, 'run');
    const tmpDir = join(dir, 'tmp');
    try {
      if (dispatch.package === null) throw new PackageRejectedError('the workty has no package to run');
      await mkdir(tmpDir, { recursive: true, mode: 0o700 });
      const lease = await deps.cache.acquire(dispatch.package, this.abort.signal);
      try {
        this.checkStopped();
        await unzipSafely(lease.path, runDir, deps.unzipLimits);
      } finally {
        lease.release();
      }
      await checkEntryPoint(runDir, dispatch.entryPoint);
      this.checkStopped();
    } catch (error) {
      if (this.stopCause !== null) return stoppedBeforeStart(this.stopCause);
      const retryable = !(error instanceof PackageRejectedError);
      this.logger.warn({ err: error, retryable }, 'attempt could not start');
      return { outcome: 'failed', exitCode: null, signal: null, result: null, error: (error as Error).message, retryable };
    }
    this.phase = 'running';
    const task = new TaskProcess(
      {
        key: this.key,
        runtime: deps.runtimes.get(dispatch.runtime) ?? null,
        runtimeName: dispatch.runtime,
        entryPoint: dispatch.entryPoint,
        cwd: runDir,
        resultFile: join(dir, 'result.json'),
        tmpDir,
        properties: dispatch.properties,
        timeoutMs: dispatch.timeoutMs,
        maxLogBytes: dispatch.maxLogBytes > 0 ? Math.min(dispatch.maxLogBytes, deps.maxLogBytes) : deps.maxLogBytes,
        checkpoint: dispatch.checkpoint,
      },
      {
        started: (pid) => {
          this.logger.info({ pid, name: dispatch.name }, 'attempt started');
          this.report({ type: 'started', pid }, true);
        },
        output: (stream, text) => this.report({ type: 'log', stream, text }),
        progress: (state) => this.report({ type: 'progress', state }),
        checkpoint: (checkpoint) => this.checkpoint(checkpoint),
      },
      deps.executor,
      this.logger,
    );
    this.task = task;
    if (this.stopCause !== null) task.stop(this.stopCause);
    return task.done;
  }

  private finish(outcome: TaskOutcome): void {
    this.logger.info({ outcome: outcome.outcome, exitCode: outcome.exitCode, signal: outcome.signal, error: outcome.error }, 'attempt ended');
    if (this.withhold) {
      this.withheldOutcome = outcome;
      return;
    }
    this.report(finishedReport(outcome), true);
  }

  private async checkpoint(checkpoint: Checkpoint): Promise<void> {
    const entry = this.report({ type: 'checkpoint', checkpoint }, true);
    if (entry !== null) await this.deps.outbox.whenDurable(entry);
  }

  /** Appends a report unless the attempt was dropped; returns its outboxSeq. */
  private report(body: ReportBody, urgent = false): number | null {
    if (this.dropped) return null;
    return this.deps.outbox.append(this.key, body, urgent).outboxSeq;
  }

  private checkStopped(): void {
    if (this.stopCause !== null) throw new Error(describeStop(this.stopCause));
  }
}

/** The finished report of an outcome (error text bounded). */
export function finishedReport(outcome: TaskOutcome): ReportBody {
  const error = outcome.error === null || outcome.error.length <= MAX_ERROR_CHARS ? outcome.error : `${outcome.error.slice(0, MAX_ERROR_CHARS)}…`;
  return { type: 'finished', ...outcome, error };
}

function stoppedBeforeStart(cause: StopCause): TaskOutcome {
  const base = { exitCode: null, signal: null, result: null };
  if (cause.kind === 'cancel') return { ...base, outcome: 'stopped', error: `stopped before it started: ${cause.reason}`, retryable: false };
  return { ...base, outcome: 'failed', error: describeStop(cause), retryable: true };
}

function describeStop(cause: StopCause): string {
  if (cause.kind === 'cancel') return `stopped: ${cause.reason}`;
  if (cause.kind === 'timeout') return 'timed out';
  return 'the worker shut down before the attempt finished';
}

/** Ids are the supervisor's hex ids; anything else still gets a safe, unique folder name. */
function folderName(key: AttemptKey): string {
  const safe = /^[A-Za-z0-9_-]{1,64}$/;
  if (safe.test(key.runId) && safe.test(key.instanceId) && Number.isSafeInteger(key.attempt)) return `${key.runId}-${key.instanceId}-${key.attempt}`;
  return `attempt-${createHash('sha256').update(attemptId(key)).digest('hex').slice(0, 32)}`;
}

/** The entry point must be a file inside the package (after links are followed). */
async function checkEntryPoint(runDir: string, entryPoint: string): Promise<void> {
  const bad = (why: string) => new PackageRejectedError(`the entry point "${entryPoint}" ${why}`);
  if (typeof entryPoint !== 'string' || entryPoint === '' || isAbsolute(entryPoint) || entryPoint.includes('\0')) throw bad('must be a relative path');
  const root = await realpath(runDir);
  const path = resolve(root, entryPoint);
  const real = await realpath(path).catch(() => null);
  if (real === null) throw bad('is not in the package');
  const rel = relative(root, real);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) throw bad('is outside the package');
  if (!(await stat(real)).isFile()) throw bad('is not a file');
}
