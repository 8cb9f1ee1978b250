/**
 * One connected worker: its socket, the facts of its hello, its slots and the attempts it holds.
 * The engine talks to a board only through this class.
 *
 * INVARIANTS
 * - `load` = attempts held + slots reserved by the dispatcher for claims under way; the dispatcher
 *   never reserves beyond `slots`.
 * - A session takes dispatches only after its hello (`ready`) and until it drains or disconnects.
 * - Every change of what it can take calls `onCapacity`, so the registry's index stays exact.
 */
import type { Socket } from 'socket.io';
import type { Device, DeviceFacts } from '../../shared/domain/model.js';
import type { Logger } from '../../shared/log.js';
import type {
  AttemptKey, Cancel, Dispatch, DispatchAck, SupervisorToWorkerEvents, WorkerSocketData, WorkerToSupervisorEvents,
} from '../../shared/protocol/worker.js';

/** First pause after a `no-slot` decline; doubled on each further one in a row, up to the maximum. */
const NO_SLOT_PAUSE_MS = 50;
const MAX_NO_SLOT_PAUSE_MS = 5000;

export type WorkerSocket = Socket<WorkerToSupervisorEvents, SupervisorToWorkerEvents, Record<string, never>, WorkerSocketData>;

/** The attempt key as a map key. */
export function attemptKeyId(key: { runId: string; instanceId: string; attempt: number }): string {
  return `${key.runId}/${key.instanceId}/${key.attempt}`;
}

export class WorkerSession {
  readonly deviceId: string;
  readonly deviceName: string;
  readonly labels: ReadonlySet<string>;
  /** The credential this connection authenticated with (a rotation ends the connection). */
  readonly credentialIssued: string;
  facts: DeviceFacts | null = null;
  runtimes: Set<string> = new Set();
  slots = 0;
  /** Hello done: may take dispatches. */
  ready = false;
  /** The worker announced a graceful shutdown: no new dispatches. */
  draining = false;
  closed = false;
  /** When it was last given an attempt (ties between equally loaded workers go to the least recent). */
  lastDispatchAt = 0;
  readonly held = new Map<string, AttemptKey>();
  private reserved = 0;
  /** After a `no-slot` decline: no dispatch before this time (0: none pending). */
  private pausedUntil = 0;
  private pauseTimer: NodeJS.Timeout | null = null;
  private noSlotStreak = 0;

  constructor(
    readonly socket: WorkerSocket,
    device: Device,
    private readonly baseLogger: Logger,
    /** Called on every change of what it can take; `freed` when it can take more than before. */
    private readonly onCapacity: (session: WorkerSession, freed: boolean) => void,
  ) {
    this.credentialIssued = device.credentialIssued;
    this.deviceId = device._id;
    this.deviceName = device.name;
    this.labels = new Set(device.labels);
  }

  /** Operator log lines about this board (made when needed: an idle board costs no logger). */
  get logger(): Logger {
    return this.baseLogger.child({ deviceId: this.deviceId });
  }

  get load(): number {
    return this.held.size + this.reserved;
  }

  get free(): number {
    return this.slots - this.load;
  }

  /** Can take a new attempt now. */
  get available(): boolean {
    return this.ready && !this.draining && !this.closed && this.free > 0 && this.pausedUntil === 0;
  }

  greet(facts: DeviceFacts): void {
    this.facts = facts;
    this.runtimes = new Set(facts.runtimes);
    this.slots = Math.max(0, Math.floor(facts.slots));
    this.ready = true;
    this.onCapacity(this, true);
  }

  reserve(): void {
    this.reserved += 1;
    this.onCapacity(this, false);
  }

  unreserve(): void {
    this.reserved = Math.max(0, this.reserved - 1);
    this.onCapacity(this, true);
  }

  hold(key: AttemptKey): void {
    this.held.set(attemptKeyId(key), key);
    this.onCapacity(this, false);
  }

  unhold(key: { runId: string; instanceId: string; attempt: number }): boolean {
    const had = this.held.delete(attemptKeyId(key));
    if (had) this.onCapacity(this, true);
    return had;
  }

  holds(key: { runId: string; instanceId: string; attempt: number }): boolean {
    return this.held.has(attemptKeyId(key));
  }

  /**
   * The board declined for want of a slot (it frees a slot a moment after it reports an end): give it
   * nothing for a short, doubling pause, then offer again.
   */
  declinedForSlot(): void {
    this.noSlotStreak += 1;
    const pauseMs = Math.min(NO_SLOT_PAUSE_MS * 2 ** (this.noSlotStreak - 1), MAX_NO_SLOT_PAUSE_MS);
    this.pausedUntil = Date.now() + pauseMs;
    if (this.pauseTimer !== null) clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = null;
      this.pausedUntil = 0;
      this.onCapacity(this, true);
    }, pauseMs);
    this.onCapacity(this, false);
  }

  /** The board took an attempt: its slot accounting is right again. */
  accepted(): void {
    this.noSlotStreak = 0;
  }

  drain(): void {
    this.draining = true;
    this.onCapacity(this, false);
  }

  /** Sends an attempt; resolves with the worker's answer, or null when none came in time. */
  async dispatch(dispatch: Dispatch, timeoutMs: number): Promise<DispatchAck | null> {
    this.lastDispatchAt = Date.now();
    try {
      return await this.socket.timeout(timeoutMs).emitWithAck('dispatch', dispatch);
    } catch {
      return null;
    }
  }

  /** Asks the worker to kill an attempt; its `finished` report says when it is gone. */
  cancel(cancel: Cancel, timeoutMs: number): void {
    this.socket.timeout(timeoutMs).emit('cancel', cancel, (error: Error | null) => {
      if (error) this.logger.debug({ key: cancel.key }, 'cancel not acknowledged in time');
    });
  }

  /** Closes the connection; the worker reconnects unless told otherwise by a refused handshake. */
  disconnect(reason: string): void {
    this.logger.info({ reason }, 'disconnecting worker');
    this.markClosed();
    this.socket.disconnect(true);
  }

  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pauseTimer !== null) clearTimeout(this.pauseTimer);
    this.onCapacity(this, false);
  }
}
