/**
 * An active run as the engine holds it: the stored document (replaced by every write's result) and
 * a serial chain, so that everything touching one run (steps, reports, claims, lease expiries)
 * happens one at a time in this process. Other processes are kept out by the store's
 * compare-and-set, not by this chain.
 */
import type { Run } from '../../shared/domain/model.js';
import type { Logger } from '../../shared/log.js';
import type { WorkerSession } from '../workers/session.js';

export class RunEntry {
  private chain: Promise<void> = Promise.resolve();
  /** A drive is queued on the chain and has not started: further drives coalesce into it. */
  driveQueued = false;
  /** Wakes the run when its current instance's backoff ends. */
  timer: NodeJS.Timeout | null = null;
  /** Attempt key id → the session a cancel was sent to (sent again to a new session of the board). */
  readonly cancelSent = new Map<string, WorkerSession>();
  closed = false;
  /** After a failed drive: how long until the next try (0: the last drive succeeded). */
  retryDelayMs = 0;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(public run: Run, readonly logger: Logger) {}

  get id(): string {
    return this.run._id;
  }

  /** Runs `task` after everything queued before it on this run; its failure does not break the chain. */
  serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.chain.then(task);
    this.chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once everything queued so far has run. */
  settled(): Promise<void> {
    return this.chain;
  }

  clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Calls `retry` after `retryDelayMs` (once; a newer schedule replaces an older one). */
  scheduleRetry(retry: () => void): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      retry();
    }, this.retryDelayMs);
  }
}
