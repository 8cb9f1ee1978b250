/**
 * Leases: a dispatched attempt belongs to its worker for `leaseMs`, renewed by the worker every
 * `renewEveryMs` while it is alive. The stall check ends expired leases as `lost` and the runs move
 * on (retry with backoff, or fail once the attempts are used up).
 *
 * Decisions:
 * - A dropped connection alone does not end a lease: boards on flaky links reconnect and resend their
 *   outbox, and re-dispatching at once would run the task twice. The lease (bounded, configurable)
 *   decides; a worker that *releases* its attempts (graceful shutdown) has them re-dispatched at once
 *   without a penalty.
 * - After a supervisor start, the stall check waits `reconnectGraceMs` so that workers can reconnect
 *   and renew leases that expired while no supervisor was there to renew them.
 * - On a hello, attempts the store leases to the board but that the board does not hold are lost at
 *   once (it restarted without them); attempts it holds but no longer owns are cancelled.
 */
import type { Logger } from '../../shared/log.js';
import type { AttemptKey, HeldAttempt, LeaseRenewalAck } from '../../shared/protocol/worker.js';
import type { EndedAttempt, Store } from '../../shared/store/port.js';
import type { SessionRegistry } from '../workers/registry.js';
import { attemptKeyId, type WorkerSession } from '../workers/session.js';
import type { Engine } from './engine.js';
import { isLive, latestAttempt } from './planner.js';
import { resolvePolicy } from './retry.js';

export interface LeaseOptions {
  leaseMs: number;
  renewEveryMs: number;
  stallCheckMs: number;
  reconnectGraceMs: number;
}

export class LeaseKeeper {
  private graceTimer: NodeJS.Timeout | null = null;
  private interval: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly registry: SessionRegistry,
    private readonly logger: Logger,
    private readonly options: LeaseOptions,
  ) {}

  /** Starts the stall check after the reconnect grace. */
  start(): void {
    const begin = (): void => {
      this.graceTimer = null;
      if (this.closed) return;
      this.interval = setInterval(() => void this.check(), this.options.stallCheckMs);
      void this.check();
    };
    if (this.options.reconnectGraceMs > 0) this.graceTimer = setTimeout(begin, this.options.reconnectGraceMs);
    else begin();
  }

  /** One stall check (coalesced with one under way). */
  check(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.checking ??= this.expire().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async expire(): Promise<void> {
    try {
      const ended = [...(await this.store.runs.expireLeases(new Date())), ...(await this.endOverdue())];
      if (ended.length === 0) return;
      for (const { runId, instanceId, attempt } of ended) {
        this.logger.warn({ runId, deviceId: attempt.deviceId, attempt: attempt.number, error: attempt.error }, 'attempt lost');
        const session = this.registry.get(attempt.deviceId);
        if (session !== undefined) {
          const key = { runId, instanceId, attempt: attempt.number, leaseToken: attempt.leaseToken };
          // Connected but silent about it: make sure the board lets it go.
          if (session.unhold(key)) session.cancel({ key, reason: 'lease-lost' }, this.options.renewEveryMs);
        }
      }
      await this.engine.afterEnded(ended);
    } catch (error) {
      this.logger.error({ err: error }, 'stall check failed; trying again at the next interval');
    }
  }

  /**
   * Attempts still live two leases after their timeout: the board renews them but never reports an
   * end (a stuck agent). The worker enforces timeouts; this is the supervisor's backstop, so such a
   * run cannot hang forever.
   */
  private async endOverdue(): Promise<EndedAttempt[]> {
    const now = Date.now();
    const overdue = new Map<string, AttemptKey[]>();
    for (const entry of this.engine.entries()) {
      for (const instance of entry.run.instances) {
        const attempt = latestAttempt(instance);
        if (attempt === undefined || !isLive(attempt)) continue;
        const { timeoutMs } = resolvePolicy(instance.retry, this.engine.options.defaults);
        if (now - Date.parse(attempt.dispatched) <= timeoutMs + 2 * this.options.leaseMs) continue;
        const keys = overdue.get(attempt.deviceId) ?? [];
        keys.push({ runId: entry.id, instanceId: instance.instanceId, attempt: attempt.number, leaseToken: attempt.leaseToken });
        overdue.set(attempt.deviceId, keys);
      }
    }
    const ended: EndedAttempt[] = [];
    for (const [deviceId, keys] of overdue) {
      ended.push(...(await this.store.runs.endAttempts(deviceId, keys, 'lost', 'no result from the board two lease durations after its timeout')));
    }
    return ended;
  }

  /** `lease:renew`: extends what the board holds; answers what it lost. */
  async renew(session: WorkerSession, held: AttemptKey[]): Promise<LeaseRenewalAck> {
    if (held.length === 0) return { lost: [] };
    const { lost } = await this.store.runs.renewLeases(session.deviceId, held, this.expiry());
    for (const key of lost) session.unhold(key);
    // A stop that could not reach the board before (it was away): send it now.
    for (const key of held) {
      const entry = this.engine.cached(key.runId);
      if (entry?.run.desired === 'stopped') this.engine.drive(entry);
    }
    return { lost };
  }

  /**
   * A hello's `held`: renews what the board still owns, answers what it must cancel, and loses at
   * once what the store leases to it but it does not hold.
   */
  async reconcile(session: WorkerSession, held: HeldAttempt[]): Promise<AttemptKey[]> {
    const cancel: AttemptKey[] = [];
    const keep: AttemptKey[] = [];
    for (const h of held) {
      const key: AttemptKey = { runId: h.runId, instanceId: h.instanceId, attempt: h.attempt, leaseToken: h.leaseToken };
      const attempt = await this.findAttempt(key);
      if (attempt === null || attempt.leaseToken !== h.leaseToken || attempt.deviceId !== session.deviceId) cancel.push(key);
      else if (isLive(attempt)) keep.push(key);
      // Its finished report is in the board's outbox but the attempt is over here (lost, released):
      // the report would be refused, so the board drops it.
      else if (attempt.status === 'lost' || attempt.status === 'released') cancel.push(key);
    }
    if (keep.length > 0) {
      const { lost } = await this.store.runs.renewLeases(session.deviceId, keep, this.expiry());
      const lostIds = new Set(lost.map(attemptKeyId));
      for (const key of keep) {
        if (lostIds.has(attemptKeyId(key))) cancel.push(key);
        else session.hold(key);
      }
    }
    const heldIds = new Set(held.map(attemptKeyId));
    const orphans = this.liveAttemptsOf(session.deviceId).filter((key) => !heldIds.has(attemptKeyId(key)));
    if (orphans.length > 0) {
      session.logger.warn({ attempts: orphans.length }, 'the board does not hold attempts leased to it; they are lost');
      await this.engine.endAttempts(session.deviceId, orphans, 'lost', `device "${session.deviceName}" reconnected without the attempt (restarted?)`);
    }
    for (const key of keep) {
      const entry = await this.engine.entry(key.runId);
      if (entry !== null) this.engine.drive(entry);
    }
    return cancel;
  }

  /** `release`: the board gives attempts back (graceful shutdown): re-dispatched without a penalty. */
  async release(session: WorkerSession, keys: AttemptKey[]): Promise<number> {
    for (const key of keys) session.unhold(key);
    const ended = await this.engine.endAttempts(session.deviceId, keys, 'released', `released by device "${session.deviceName}" (shutting down)`);
    return ended.length;
  }

  /** Live attempts the active runs lease to a device. */
  private liveAttemptsOf(deviceId: string): AttemptKey[] {
    const keys: AttemptKey[] = [];
    for (const entry of this.engine.entries()) {
      for (const instance of entry.run.instances) {
        const attempt = latestAttempt(instance);
        if (attempt !== undefined && isLive(attempt) && attempt.deviceId === deviceId) {
          keys.push({ runId: entry.id, instanceId: instance.instanceId, attempt: attempt.number, leaseToken: attempt.leaseToken });
        }
      }
    }
    return keys;
  }

  close(): void {
    this.closed = true;
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    if (this.interval !== null) clearInterval(this.interval);
  }

  /** Waits for a stall check under way. */
  async settled(): Promise<void> {
    await this.checking;
  }

  private expiry(): string {
    return new Date(Date.now() + this.options.leaseMs).toISOString();
  }

  private async findAttempt(key: AttemptKey) {
    const entry = await this.engine.entry(key.runId);
    const run = entry?.run ?? (await this.store.runs.get(key.runId, { all: true }));
    return run?.instances.find((i) => i.instanceId === key.instanceId)?.attempts.find((a) => a.number === key.attempt) ?? null;
  }
}
