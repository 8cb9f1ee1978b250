/**
 * The worker's connection to its supervisor (protocol v1, namespace `/worker` over WSS): dials out,
 * authenticates in the handshake, says hello, and keeps trying — with jittered exponential backoff,
 * honouring the `retryAfterMs` of a refusal — until closed.
 *
 * INVARIANTS
 * - One socket at a time; each connection attempt uses a fresh socket.io Manager, so nothing emitted
 *   for an old connection is ever buffered and replayed on a new one.
 * - socket.io's own reconnection is off: this class alone decides when to try again.
 * - A session (`session` event) begins only when the hello is acknowledged; `down` follows every
 *   session exactly once.
 * - The device secret goes only into the handshake's `auth`; it is never logged.
 */
import { EventEmitter } from 'node:events';
import type { Agent } from 'node:https';
import { Manager, type Socket } from 'socket.io-client';
import type { Logger } from '../../shared/log.js';
import {
  PROTOCOL_VERSION, WORKER_NAMESPACE,
  type Hello, type HelloAck, type Refusal, type SupervisorToWorkerEvents, type WorkerAuth, type WorkerToSupervisorEvents,
} from '../../shared/protocol/worker.js';
import { Backoff } from './backoff.js';

export type WorkerSocket = Socket<SupervisorToWorkerEvents, WorkerToSupervisorEvents>;

export interface LinkOptions {
  supervisorUrl: string;
  deviceId: string;
  deviceSecret: string;
  agentVersion: string;
  /** HTTPS agent carrying the trust (CA or pinned fingerprint). */
  agent: Agent;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Least wait after a bad-credentials, disabled or protocol-version refusal. */
  refusedBackoffMs: number;
  ackTimeoutMs: number;
  /** Builds the hello of each new connection. */
  hello: () => Hello;
  /** Attaches the handlers of supervisor → worker events to a new socket. */
  bind: (socket: WorkerSocket) => void;
  logger: Logger;
}

export type LinkState = 'idle' | 'connecting' | 'session' | 'waiting' | 'closed';

const LONG_REFUSALS = new Set<Refusal['code']>(['bad-credentials', 'disabled', 'protocol-version', 'bad-handshake']);

export class SupervisorLink extends EventEmitter<{ session: [WorkerSocket, HelloAck]; down: [string]; refused: [Refusal & { message: string }] }> {
  private state: LinkState = 'idle';
  private socket: WorkerSocket | null = null;
  private manager: Manager | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly backoff: Backoff;
  private transportFailures = 0;

  constructor(private readonly options: LinkOptions) {
    super();
    this.backoff = new Backoff(options.reconnectMinMs, options.reconnectMaxMs);
  }

  get status(): LinkState {
    return this.state;
  }

  /** The socket of the current session, or null between sessions. */
  get session(): WorkerSocket | null {
    return this.state === 'session' ? this.socket : null;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  /** Sends an event and waits for its acknowledgement; rejects when not in a session or on timeout. */
  async request<E extends keyof WorkerToSupervisorEvents>(event: E, ...args: RequestArgs<E>): Promise<AckOf<E>> {
    const socket = this.session;
    if (socket === null) throw new Error('not connected to the supervisor');
    // socket.io's typings cannot follow a generic event name; the maps above type both ends.
    const timed = socket.timeout(this.options.ackTimeoutMs) as unknown as { emitWithAck(event: string, ...rest: unknown[]): Promise<unknown> };
    return timed.emitWithAck(event, ...(args as unknown[])) as Promise<AckOf<E>>;
  }

  /** Drops the current connection and dials again after a backoff (e.g. an acknowledgement never came). */
  restart(reason: string): void {
    if (this.state !== 'session' && this.state !== 'connecting') return;
    this.options.logger.warn({ reason }, 'reconnecting to the supervisor');
    this.teardown(reason);
    this.retryIn(this.backoff.next());
  }

  /** Stops for good: disconnects and never dials again. Idempotent. */
  close(): void {
    if (this.state === 'closed') return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.teardown('worker shutting down');
    this.state = 'closed';
  }

  private connect(): void {
    this.timer = null;
    if (this.state === 'closed') return;
    this.state = 'connecting';
    const { options } = this;
    const auth: WorkerAuth = { deviceId: options.deviceId, secret: options.deviceSecret, protocolVersion: PROTOCOL_VERSION, agentVersion: options.agentVersion };
    const manager = new Manager(options.supervisorUrl, {
      reconnection: false,
      autoConnect: false,
      transports: ['websocket'],
      agent: options.agent as unknown as string,
      timeout: options.ackTimeoutMs,
    });
    const socket: WorkerSocket = manager.socket(WORKER_NAMESPACE, { auth: { ...auth } });
    this.manager = manager;
    this.socket = socket;
    options.bind(socket);
    socket.on('connect', () => void this.greet(socket));
    socket.on('connect_error', (error: Error & { data?: Partial<Refusal> }) => {
      if (this.socket !== socket) return;
      this.teardown('connect error');
      this.retryIn(this.delayAfter(error));
    });
    socket.on('disconnect', (reason) => {
      if (this.socket !== socket) return;
      const wasSession = this.state === 'session';
      this.teardown(reason);
      if (wasSession) options.logger.warn({ reason }, 'lost the supervisor; reconnecting');
      this.retryIn(this.backoff.next());
    });
    socket.connect();
  }

  private async greet(socket: WorkerSocket): Promise<void> {
    let ack: HelloAck;
    try {
      ack = await socket.timeout(this.options.ackTimeoutMs).emitWithAck('hello', this.options.hello());
    } catch (error) {
      if (this.socket !== socket) return;
      this.options.logger.warn({ err: error }, 'the supervisor did not answer the hello; reconnecting');
      this.teardown('hello not acknowledged');
      this.retryIn(this.backoff.next());
      return;
    }
    if (this.socket !== socket || this.state !== 'connecting') return;
    this.state = 'session';
    this.backoff.reset();
    this.transportFailures = 0;
    this.options.logger.info({ url: this.options.supervisorUrl, leaseMs: ack.leaseMs, cancel: ack.cancel.length }, 'connected to the supervisor');
    this.emit('session', socket, ack);
  }

  /** How long to wait after a failed connection attempt, logging why in words. */
  private delayAfter(error: Error & { data?: Partial<Refusal> }): number {
    const { logger } = this.options;
    const refusal = error.data;
    if (refusal?.code !== undefined) {
      const retryAfterMs = typeof refusal.retryAfterMs === 'number' ? refusal.retryAfterMs : 0;
      const long = LONG_REFUSALS.has(refusal.code);
      const delay = long ? this.backoff.atLeast(Math.max(retryAfterMs, this.options.refusedBackoffMs)) : this.backoff.atLeast(retryAfterMs);
      const meta = { code: refusal.code, retryInMs: delay, deviceId: this.options.deviceId };
      const hints: Partial<Record<Refusal['code'], string>> = {
        'bad-credentials': 'check WORKTY_DEVICE_ID and WORKTY_DEVICE_SECRET (an admin may have rotated the secret)',
        disabled: 'an admin must enable this device again',
        'protocol-version': 'this worker and the supervisor speak different protocol versions: upgrade the older one',
        'bad-handshake': 'this worker sent a handshake the supervisor does not understand',
      };
      const hint = hints[refusal.code];
      if (long) logger.error(meta, `the supervisor refused this device: ${error.message}${hint === undefined ? '' : ` — ${hint}`}`);
      else logger.info(meta, `the supervisor asked to retry later: ${error.message}`);
      this.emit('refused', { code: refusal.code, retryAfterMs, message: error.message });
      return delay;
    }
    this.transportFailures += 1;
    const delay = this.backoff.next();
    // The first failure and then one in ten: a board left without its supervisor should not fill the SD card with logs.
    const level = this.transportFailures === 1 || this.transportFailures % 10 === 0 ? 'warn' : 'debug';
    logger[level]({ url: this.options.supervisorUrl, error: describe(error), failures: this.transportFailures, retryInMs: delay }, 'cannot reach the supervisor');
    return delay;
  }

  private retryIn(ms: number): void {
    if (this.state === 'closed') return;
    this.state = 'waiting';
    this.timer = setTimeout(() => this.connect(), ms);
  }

  private teardown(reason: string): void {
    const socket = this.socket;
    const manager = this.manager;
    const wasSession = this.state === 'session';
    this.socket = null;
    this.manager = null;
    if (socket !== null) {
      socket.removeAllListeners();
      socket.disconnect();
    }
    manager?.removeAllListeners();
    manager?.engine?.close();
    if (wasSession) {
      this.state = 'waiting';
      this.emit('down', reason);
    }
  }
}

type RequestArgs<E extends keyof WorkerToSupervisorEvents> = WorkerToSupervisorEvents[E] extends (...args: infer A) => void
  ? A extends [...infer Rest, unknown] ? Rest : []
  : [];

type AckOf<E extends keyof WorkerToSupervisorEvents> = WorkerToSupervisorEvents[E] extends (...args: infer A) => void
  ? A extends [...unknown[], (answer: infer R) => void] ? R : never
  : never;

/** engine.io wraps the cause (TLS, refused connection…) in `description`, an Error or an error event. */
function describe(error: Error & { description?: unknown }): string {
  const cause = error.description as { message?: unknown; error?: unknown } | string | undefined;
  let text: unknown = cause;
  if (typeof cause === 'object' && cause !== null) text = cause.error instanceof Error ? cause.error.message : cause.message;
  return typeof text === 'string' && text !== '' ? `${error.message}: ${text}` : error.message;
}
