/**
 * The attempts this worker holds: takes dispatches (within its slots), stops them on cancel, lease
 * loss or shutdown, and says what it holds for hellos and lease renewals.
 *
 * INVARIANTS
 * - At most `slots` attempts run at once; an attempt frees its slot when its task has ended and its
 *   finished report is in the outbox, before its folder is removed (protocol v1 "Slots").
 * - An attempt is held from its acceptance until its finished report is acknowledged: while it runs
 *   (this class) and then as an outbox row.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../../shared/log.js';
import type { AttemptKey, Cancel, Dispatch, DispatchAck, HeldAttempt } from '../../shared/protocol/worker.js';
import type { StopCause } from '../executor/executor.js';
import { attemptId } from '../outbox/records.js';
import { Attempt, finishedReport, type AttemptDeps } from './attempt.js';

export interface ManagerOptions {
  slots: number;
  logger: Logger;
}

export class AttemptManager extends EventEmitter<{ settled: [Attempt] }> {
  private readonly running = new Map<string, Attempt>();
  private draining = false;

  constructor(private readonly deps: AttemptDeps, private readonly options: ManagerOptions) {
    super();
  }

  get size(): number {
    return this.running.size;
  }

  /** Answers a dispatch, starting the attempt when it is accepted. */
  accept(dispatch: Dispatch): DispatchAck {
    const id = attemptId(dispatch);
    if (this.running.has(id) || this.deps.outbox.attempt(dispatch) !== undefined) {
      return { accepted: false, reason: 'duplicate', message: `attempt ${dispatch.attempt} is already held by this worker` };
    }
    if (this.draining) return { accepted: false, reason: 'shutting-down', message: 'this worker is shutting down' };
    if (!this.deps.runtimes.has(dispatch.runtime)) {
      return { accepted: false, reason: 'unknown-runtime', message: `this board has no runtime "${dispatch.runtime}" (it has ${[...this.deps.runtimes.keys()].join(', ')})` };
    }
    // A slot is free once its task ended (protocol v1 "Slots"), even while its folder is being removed.
    const busy = [...this.running.values()].filter((a) => a.phase !== 'cleaning').length;
    if (busy >= this.options.slots) {
      return { accepted: false, reason: 'no-slot', message: `all ${this.options.slots} slots are busy` };
    }
    const attempt = new Attempt(dispatch, this.deps);
    this.running.set(id, attempt);
    void attempt.done.finally(() => {
      this.running.delete(id);
      this.emit('settled', attempt);
    });
    return { accepted: true };
  }

  /** A stop from the supervisor; true when the attempt was running here. */
  cancel(cancel: Cancel): boolean {
    const attempt = this.running.get(attemptId(cancel.key));
    if (attempt === undefined || attempt.key.leaseToken !== cancel.key.leaseToken) return false;
    this.options.logger.info({ runId: cancel.key.runId, attempt: cancel.key.attempt, reason: cancel.reason }, 'attempt cancelled by the supervisor');
    attempt.stop({ kind: 'cancel', reason: cancel.reason === 'stop' ? 'stopped by a user' : cancel.reason });
    return true;
  }

  /** The supervisor no longer considers these attempts ours: kill them and forget their reports. */
  lose(keys: AttemptKey[]): void {
    for (const key of keys) {
      const attempt = this.running.get(attemptId(key));
      if (attempt !== undefined && attempt.key.leaseToken === key.leaseToken) attempt.drop();
      const row = this.deps.outbox.attempt(key);
      if (row !== undefined && row.key.leaseToken === key.leaseToken) {
        const dropped = this.deps.outbox.drop(key);
        this.options.logger.info({ runId: key.runId, attempt: key.attempt, reports: dropped }, 'attempt dropped: its lease is gone');
      }
    }
  }

  /** What this worker holds, for a hello: running attempts and finished ones not yet acknowledged. */
  held(): HeldAttempt[] {
    const held = new Map<string, HeldAttempt>();
    for (const row of this.deps.outbox.attempts()) held.set(attemptId(row.key), { ...row.key, status: row.finished ? 'finished' : 'running' });
    for (const attempt of this.running.values()) {
      if (!held.has(attempt.id)) held.set(attempt.id, { ...attempt.key, status: 'running' });
    }
    return [...held.values()];
  }

  /** The keys to renew. */
  heldKeys(): AttemptKey[] {
    return this.held().map(({ status: _status, ...key }) => key);
  }

  /** No more dispatches are accepted. */
  drain(): void {
    this.draining = true;
  }

  /** Resolves once nothing runs, or after `timeoutMs` (false then). */
  async idle(timeoutMs: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    return new Promise<boolean>((resolve) => {
      const check = () => {
        if (this.running.size > 0) return;
        clearTimeout(timer);
        this.off('settled', check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.off('settled', check);
        resolve(this.running.size === 0);
      }, timeoutMs);
      this.on('settled', check);
    });
  }

  /** Stops everything still running; with `withholdFinish` their outcomes are kept for the caller. */
  stopAll(cause: StopCause, withholdFinish: boolean): Attempt[] {
    const stopped = [...this.running.values()];
    for (const attempt of stopped) attempt.stop(cause, { withholdFinish });
    return stopped;
  }

  /**
   * Attempts the previous run of the worker left without a finished report (it crashed or lost
   * power): they are reported as failed, honestly, and may be retried.
   */
  reportInterrupted(): number {
    let n = 0;
    for (const row of this.deps.outbox.attempts()) {
      if (row.finished) continue;
      this.options.logger.warn({ runId: row.key.runId, instanceId: row.key.instanceId, attempt: row.key.attempt, pid: row.pid },
        'attempt interrupted by the previous stop of the worker; reported as failed');
      this.deps.outbox.append(row.key, finishedReport({
        outcome: 'failed', exitCode: null, signal: null, result: null, retryable: true,
        error: 'the worker stopped while the attempt ran (crash or power loss); its process was killed when the worker started again',
      }), true);
      n += 1;
    }
    return n;
  }
}
