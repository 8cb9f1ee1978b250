/**
 * A worker board simulated in-process: a real socket.io-client connection to `/worker` speaking
 * protocol v1 with a real device credential, but tasks that only *pretend* to run, as a behaviour
 * function decides (complete at once, fail, log, hold until told). It keeps an outbox like a real
 * worker (resent in order after a reconnect until acknowledged), renews its leases, obeys cancels.
 *
 * Lean on purpose: the fleet benchmark runs thousands of these in one process. One socket, a few
 * maps, one renewal timer only while it holds attempts.
 */
import { EventEmitter } from 'node:events';
import { io, type Socket } from 'socket.io-client';
import { Backoff } from '../../worker/connection/backoff.js';
import type { DeviceFacts } from '../../shared/domain/model.js';
import {
  PROTOCOL_VERSION, WORKER_NAMESPACE, type AttemptKey, type Dispatch, type DispatchAck, type DispatchRejection, type HelloAck,
  type Refusal, type Report, type ReportBatchAck, type SupervisorToWorkerEvents, type WorkerToSupervisorEvents,
} from '../../shared/protocol/worker.js';

type WorkerClientSocket = Socket<SupervisorToWorkerEvents, WorkerToSupervisorEvents>;

/** What a simulated task does with a dispatch. */
export interface TaskPlan {
  /** Refuse the dispatch. */
  decline?: { reason: DispatchRejection; message: string };
  /** Output to report before finishing. */
  logs?: Array<{ stream: 'stdout' | 'stderr'; text: string }>;
  /** Keep "running" until `finish()` or a cancel. */
  hold?: boolean;
  outcome?: 'completed' | 'failed' | 'stopped';
  exitCode?: number | null;
  result?: unknown;
  error?: string | null;
  retryable?: boolean;
}

export type Behaviour = (dispatch: Dispatch) => TaskPlan;

export interface SimulatedWorkerOptions {
  /** Supervisor base URL, e.g. https://127.0.0.1:PORT. */
  url: string;
  deviceId: string;
  secret: string;
  /** PEM certificate the supervisor's TLS certificate is checked against. */
  ca: string;
  runtimes?: string[];
  slots?: number;
  protocolVersion?: number;
  agentVersion?: string;
  behaviour?: Behaviour;
  /** Report `started` before finishing (default true). */
  reportStarted?: boolean;
  /**
   * Reconnect as the real worker does (its `Backoff`: exponential from `minMs` to `maxMs`, equal
   * jitter, at least a refusal's `retryAfterMs`) instead of socket.io's quick retries (50–500 ms).
   */
  reconnect?: { minMs: number; maxMs: number };
}

export interface Refused {
  message: string;
  data: Refusal | undefined;
}

interface Held {
  key: AttemptKey;
  nextSeq: number;
  finished: boolean;
}

const keyId = (key: { runId: string; instanceId: string; attempt: number }): string => `${key.runId}/${key.instanceId}/${key.attempt}`;

export class SimulatedWorker extends EventEmitter<{
  dispatch: [Dispatch, number];
  cancel: [AttemptKey];
  hello: [HelloAck];
  acked: [ReportBatchAck];
  refused: [Refused];
  disconnected: [string];
}> {
  readonly socket: WorkerClientSocket;
  /** Attempts running or finished but not yet acknowledged. */
  readonly held = new Map<string, Held>();
  private outbox: Array<{ outboxSeq: number; report: Report }> = [];
  private outboxSeq = 0;
  private sending = false;
  private greeted = false;
  private renewTimer: NodeJS.Timeout | null = null;
  private renewEveryMs = 15_000;
  private readonly backoff: Backoff | null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** When the last hello was answered (ms since the epoch, sub-ms resolution), or 0. */
  lastHelloAt = 0;
  /** Failed connection attempts (transport errors and refusals) so far. */
  connectFailures = 0;
  /** When the current (or last) connection attempt began (ms since the epoch, sub-ms resolution). */
  lastDialAt = 0;
  behaviour: Behaviour;

  constructor(readonly options: SimulatedWorkerOptions) {
    super();
    this.behaviour = options.behaviour ?? (() => ({}));
    this.backoff = options.reconnect === undefined ? null : new Backoff(options.reconnect.minMs, options.reconnect.maxMs);
    this.socket = io(`${options.url}${WORKER_NAMESPACE}`, {
      autoConnect: false,
      transports: ['websocket'],
      ca: options.ca,
      reconnection: this.backoff === null,
      reconnectionDelay: 50,
      reconnectionDelayMax: 500,
      auth: {
        deviceId: options.deviceId,
        secret: options.secret,
        protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
        agentVersion: options.agentVersion ?? 'simulated-1.0.0',
      },
    });
    this.socket.on('connect', () => void this.greet());
    this.socket.on('disconnect', (reason) => {
      this.greeted = false;
      this.sending = false;
      this.emit('disconnected', reason);
      if (reason !== 'io client disconnect') this.retryLater(0);
    });
    this.socket.on('connect_error', (error: Error & { data?: Refusal }) => {
      this.connectFailures += 1;
      this.emit('refused', { message: error.message, data: error.data });
      this.retryLater(error.data?.retryAfterMs ?? 0);
    });
    this.socket.on('dispatch', (dispatch, ack) => ack(this.onDispatch(dispatch)));
    this.socket.on('cancel', ({ key }, ack) => {
      this.emit('cancel', key);
      const held = this.held.get(keyId(key));
      const running = held !== undefined && !held.finished;
      if (running) this.finish(key, { outcome: 'stopped', exitCode: null, error: 'stopped on request' });
      ack({ cancelled: running });
    });
  }

  /**
   * Connects and says hello; resolves with the supervisor's answer, rejects with a refusal. With
   * `reconnect`, a transport error (supervisor not there yet) is not a refusal: it dials again.
   */
  connect(): Promise<HelloAck> {
    return new Promise((resolve, reject) => {
      const onHello = (ack: HelloAck): void => {
        this.off('refused', onRefused);
        resolve(ack);
      };
      const onRefused = (refusal: Refused): void => {
        if (this.backoff !== null && refusal.data === undefined) return;
        this.off('hello', onHello);
        this.off('refused', onRefused);
        this.stopRetrying();
        this.socket.disconnect();
        reject(Object.assign(new Error(refusal.message), { data: refusal.data }));
      };
      this.once('hello', onHello);
      this.on('refused', onRefused);
      this.dial();
    });
  }

  /** Connects expecting a refusal; resolves with it (and stops trying). */
  refusal(): Promise<Refused> {
    return this.connect().then(
      () => {
        throw new Error('the handshake was accepted');
      },
      (error: Error & { data?: Refusal }) => ({ message: error.message, data: error.data }),
    );
  }

  /** Ends a held attempt (or the only one held) with the given outcome. */
  finish(key: AttemptKey | undefined = this.onlyRunning(), plan: TaskPlan = {}): void {
    if (key === undefined) throw new Error('no running attempt to finish');
    const held = this.held.get(keyId(key));
    if (held === undefined || held.finished) return;
    for (const log of plan.logs ?? []) this.report(held, { type: 'log', stream: log.stream, text: log.text });
    held.finished = true;
    const outcome = plan.outcome ?? 'completed';
    this.report(held, {
      type: 'finished', outcome, exitCode: plan.exitCode !== undefined ? plan.exitCode : outcome === 'completed' ? 0 : 1,
      signal: null, result: plan.result ?? null, error: plan.error ?? null, retryable: plan.retryable ?? true,
    });
  }

  /** Keys of attempts still running. */
  running(): AttemptKey[] {
    return [...this.held.values()].filter((h) => !h.finished).map((h) => h.key);
  }

  get pendingReports(): number {
    return this.outbox.length;
  }

  /** Drops the connection as a network cut would (no reconnection until `restore`). */
  cut(): void {
    this.socket.disconnect();
  }

  /** Reconnects after `cut`; resolves once the hello is answered. */
  restore(): Promise<HelloAck> {
    return this.connect();
  }

  /** Graceful shutdown: no new attempts, running ones handed back. */
  async drainAndRelease(): Promise<number> {
    await this.socket.timeout(5000).emitWithAck('draining');
    const keys = this.running();
    const { released } = await this.socket.timeout(5000).emitWithAck('release', { keys, reason: 'shutdown' });
    for (const key of keys) this.held.delete(keyId(key));
    this.outbox = this.outbox.filter((e) => !keys.some((k) => keyId(k) === keyId(e.report.key)));
    return released;
  }

  /** Resolves when every report was acknowledged. */
  async flushed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.outbox.length > 0) {
      if (Date.now() > deadline) throw new Error(`simulated worker: ${this.outbox.length} reports unacknowledged after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => this.once('acked', () => resolve()));
    }
  }

  close(): void {
    if (this.renewTimer !== null) clearInterval(this.renewTimer);
    this.renewTimer = null;
    this.stopRetrying();
    this.socket.disconnect();
    this.socket.removeAllListeners();
  }

  /** With `reconnect`: dials again after the backoff (socket.io's own reconnection is off then). */
  private retryLater(floorMs: number): void {
    if (this.backoff === null || this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.dial();
    }, floorMs > 0 ? this.backoff.atLeast(floorMs) : this.backoff.next());
  }

  private dial(): void {
    this.lastDialAt = performance.timeOrigin + performance.now();
    this.socket.connect();
  }

  private stopRetrying(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private onlyRunning(): AttemptKey | undefined {
    const running = this.running();
    return running.length === 1 ? running[0] : undefined;
  }

  private facts(): DeviceFacts {
    return {
      arch: 'arm64', cpus: 4, memoryBytes: 4 * 1024 ** 3, os: 'linux', osRelease: '6.1.0-simulated', hostname: `sim-${this.options.deviceId.slice(-6)}`,
      temperatureC: 45, runtimes: this.options.runtimes ?? ['node', 'python3', 'sh'], agentVersion: this.options.agentVersion ?? 'simulated-1.0.0',
      protocolVersion: this.options.protocolVersion ?? PROTOCOL_VERSION, slots: this.options.slots ?? 1,
    };
  }

  private async greet(): Promise<void> {
    const held = [...this.held.values()].map((h) => ({ ...h.key, status: h.finished ? ('finished' as const) : ('running' as const) }));
    let ack: HelloAck;
    try {
      ack = await this.socket.timeout(10_000).emitWithAck('hello', { facts: this.facts(), held });
    } catch {
      return;
    }
    for (const key of ack.cancel) this.forget(key);
    this.renewEveryMs = ack.renewEveryMs;
    this.greeted = true;
    this.lastHelloAt = performance.timeOrigin + performance.now();
    this.backoff?.reset();
    this.updateRenewal();
    this.emit('hello', ack);
    this.flush();
  }

  private onDispatch(dispatch: Dispatch): DispatchAck {
    const receivedAt = performance.timeOrigin + performance.now();
    const key: AttemptKey = { runId: dispatch.runId, instanceId: dispatch.instanceId, attempt: dispatch.attempt, leaseToken: dispatch.leaseToken };
    if (this.held.has(keyId(key))) return { accepted: false, reason: 'duplicate', message: 'already held' };
    const plan = this.behaviour(dispatch);
    if (plan.decline !== undefined) return { accepted: false, ...plan.decline };
    const held: Held = { key, nextSeq: 1, finished: false };
    this.held.set(keyId(key), held);
    this.updateRenewal();
    this.emit('dispatch', dispatch, receivedAt);
    if (this.options.reportStarted ?? true) this.report(held, { type: 'started', pid: null });
    if (plan.hold !== true) this.finish(key, plan);
    return { accepted: true };
  }

  private report(held: Held, body: DistributiveOmit<Report, 'key' | 'seq' | 'at'>): void {
    this.outboxSeq += 1;
    const report = { ...body, key: held.key, seq: held.nextSeq, at: new Date().toISOString() } as Report;
    held.nextSeq += 1;
    this.outbox.push({ outboxSeq: this.outboxSeq, report });
    if (!this.sending) queueMicrotask(() => this.flush());
  }

  /** Sends the outbox (one batch at a time) until it is empty. */
  private flush(): void {
    if (this.sending || !this.greeted || this.outbox.length === 0) return;
    this.sending = true;
    const batch = this.outbox.slice(0, 500);
    this.socket.timeout(10_000).emit('reports', { entries: batch }, (error: Error | null, ack: ReportBatchAck) => {
      this.sending = false;
      if (error !== null) {
        if (this.socket.connected) this.flush();
        return;
      }
      const stale = new Set(ack.stale.map(keyId));
      this.outbox = this.outbox.filter((e) => e.outboxSeq > ack.ackedThrough && !stale.has(keyId(e.report.key)));
      for (const key of ack.stale) this.forget(key);
      for (const e of batch) {
        const held = this.held.get(keyId(e.report.key));
        if (e.outboxSeq <= ack.ackedThrough && e.report.type === 'finished' && held !== undefined) this.held.delete(keyId(e.report.key));
      }
      this.updateRenewal();
      this.emit('acked', ack);
      this.flush();
    });
  }

  private forget(key: AttemptKey): void {
    this.held.delete(keyId(key));
    this.outbox = this.outbox.filter((e) => keyId(e.report.key) !== keyId(key));
    this.updateRenewal();
  }

  /** Renews only while something is held (idle boards cost no timer). */
  private updateRenewal(): void {
    const needed = this.held.size > 0 && this.greeted;
    if (needed && this.renewTimer === null) {
      this.renewTimer = setInterval(() => {
        const held = [...this.held.values()].map((h) => h.key);
        if (held.length === 0 || !this.socket.connected) return;
        this.socket.timeout(10_000).emit('lease:renew', { held }, (error: Error | null, ack: { lost: AttemptKey[] }) => {
          if (error === null) for (const key of ack.lost) this.forget(key);
        });
      }, this.renewEveryMs);
    } else if (!needed && this.renewTimer !== null) {
      clearInterval(this.renewTimer);
      this.renewTimer = null;
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
