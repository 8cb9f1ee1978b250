/**
 * Client socket tests' world: a real REST API (`startTestRestApi`: HTTPS, SQLite in a temporary
 * directory, an admin) and a real supervisor serving the client namespaces over WSS on its own store
 * connection to the same file — as two processes would — plus real socket.io-clients, typed by
 * `shared/protocol/clients.ts`. Everything clients receive and everything either server logs is kept,
 * so `assertNoSecretsLeaked()` can check that no password, hash, token or device secret got out.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { ClientAuth, ClientContext, ClientProtocol, ClientRefusal } from '../../shared/protocol/clients.js';
import { CLIENT_NAMESPACES } from '../../shared/protocol/clients.js';
import type { Account, RoleName } from '../../shared/domain/model.js';
import { openStore } from '../../shared/store/index.js';
import type { Store } from '../../shared/store/port.js';
import { capturingLogger, type CapturedLogger } from './logger.js';
import type { ApiResponse } from './https-client.js';
import type { TestRestApi, TestUser } from './restapi.js';
import { startTestRestApi } from './restapi.js';
import { generateSecret, hashSecret } from '../../shared/security/secrets.js';
import { SimulatedWorker, type SimulatedWorkerOptions } from './simulated-worker.js';
import { startTestSupervisor, type TestSupervisor, type TestSupervisorOptions } from './test-supervisor.js';

export type ClientSocket<C extends ClientContext> = Socket<ClientProtocol[C]['server'], ClientProtocol[C]['client']>;

export interface ConnectOptions {
  /** Reconnect after a drop (off by default: a test sees every disconnect). */
  reconnection?: boolean;
  /** Another supervisor's base URL (default: the harness's). */
  url?: string;
}

export interface Refused {
  message: string;
  data: ClientRefusal | undefined;
}

export interface ClientHarnessOptions extends TestSupervisorOptions {
  /** REST settings as environment variables. */
  restEnv?: Record<string, string>;
}

export class ClientHarness {
  private readonly sockets = new Set<Socket>();
  private readonly workers = new Set<SimulatedWorker>();
  /** Every payload clients received (events and acknowledgements), as JSON. */
  readonly received: string[] = [];
  /** Secret → how many received payloads may carry it. */
  private readonly secrets = new Map<string, number>();

  private constructor(readonly rest: TestRestApi, readonly store: Store, readonly supervisor: TestSupervisor, private readonly supervisorLog: CapturedLogger) {}

  static async start(options: ClientHarnessOptions = {}): Promise<ClientHarness> {
    const rest = await startTestRestApi({ env: options.restEnv ?? {} });
    // The supervisor's own connection to the same file, as a separate process would have.
    const log = capturingLogger('supervisor', 'debug');
    const store = await openStore({ dataDir: rest.dataDir }, log.logger);
    const supervisor = await startTestSupervisor({ ...options, store, dataDir: rest.dataDir, logger: log.logger });
    return new ClientHarness(rest, store, supervisor, log);
  }

  get url(): string {
    return this.supervisor.url;
  }

  get admin(): TestUser {
    return this.rest.admin;
  }

  async createUser(options?: { roles?: RoleName[]; amount?: number; name?: string }): Promise<TestUser> {
    const user = await this.rest.createUser(options);
    this.secrets.set(user.password, 0);
    return user;
  }

  unique(prefix: string): string {
    return `${prefix}-${randomBytes(5).toString('hex')}`;
  }

  /** A socket (not yet connected) on a context's namespace with the given auth. */
  socket<C extends ClientContext>(context: C, auth: ClientAuth | Record<string, unknown> | null, options: ConnectOptions = {}): ClientSocket<C> {
    const socket = io(`${options.url ?? this.url}${CLIENT_NAMESPACES[context]}`, {
      ...(auth === null ? {} : { auth }),
      ca: this.rest.ca,
      transports: ['websocket'],
      reconnection: options.reconnection ?? false,
      autoConnect: false,
      forceNew: true,
    }) as ClientSocket<C>;
    this.sockets.add(socket as Socket);
    socket.onAny((_event: string, ...args: unknown[]) => this.received.push(JSON.stringify(args)));
    return socket;
  }

  /** A connected socket; rejects with the refusal when the handshake is refused. */
  async connect<C extends ClientContext>(context: C, auth: ClientAuth | Record<string, unknown> | null, options: ConnectOptions = {}): Promise<ClientSocket<C>> {
    const socket = this.socket(context, auth, options);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error: Error & { data?: ClientRefusal }) => reject(Object.assign(new Error(error.message), { data: error.data })));
      socket.connect();
    });
    return socket;
  }

  /** The refusal of a handshake that must fail. */
  async refused(context: ClientContext, auth: ClientAuth | Record<string, unknown> | null): Promise<Refused> {
    const socket = this.socket(context, auth);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => reject(new Error('the handshake was accepted')));
      socket.once('connect_error', (error: Error & { data?: ClientRefusal }) => {
        socket.close();
        resolve({ message: error.message, data: error.data });
      });
      socket.connect();
    });
  }

  /** A user's password auth. */
  auth(user: TestUser): ClientAuth {
    return { email: user.email, password: user.password };
  }

  /** Sends a request and resolves with its acknowledgement (recorded for the leak check). */
  async request<C extends ClientContext>(socket: ClientSocket<C>, event: string, payload?: unknown): Promise<any> {
    const untyped = socket as unknown as Socket;
    const ack: unknown = payload === undefined ? await untyped.timeout(10_000).emitWithAck(event) : await untyped.timeout(10_000).emitWithAck(event, payload);
    this.received.push(JSON.stringify(ack));
    return ack;
  }

  /** Re-reads an account through the supervisor's store connection. */
  async account(id: string): Promise<Account | null> {
    return this.store.accounts.get(id, { all: true });
  }

  /**
   * Declares a secret that must not appear in anything clients received nor in any log; `issuedBy` is
   * the one REST response, or `'ack'` the one acknowledgement, allowed to carry it.
   */
  secret(value: string, issuedBy?: ApiResponse | 'ack'): void {
    this.rest.secret(value, issuedBy === 'ack' ? undefined : issuedBy);
    this.secrets.set(value, issuedBy === 'ack' ? 1 : 0);
  }

  /** No password, hash, token or device secret in what clients received or what either server logged. */
  async assertNoSecretsLeaked(): Promise<void> {
    await this.rest.assertNoSecretsLeaked();
    const values = new Map(this.secrets);
    const accounts = await this.store.accounts.list({ all: true }, { perPage: 1000 });
    for (const account of accounts.items) {
      const credentials = await this.store.accounts.getCredentials(account._id);
      if (credentials !== null) values.set(credentials.passwordHash, 0);
    }
    const received = this.received.join('\n');
    const logs = this.supervisorLog.text();
    for (const [value, allowed] of values) {
      const carriers = this.received.filter((payload) => payload.includes(value)).length;
      expect(carriers, 'a secret appears in what a client received').to.be.at.most(allowed);
      expect(logs.includes(value), 'a secret appears in the supervisor log').to.equal(false);
    }
    expect(/"\$2[aby]\$\d\d\$/.test(received), 'a bcrypt hash appears in what a client received').to.equal(false);
    expect(/"\$2[aby]\$\d\d\$/.test(logs), 'a bcrypt hash appears in the supervisor log').to.equal(false);
  }

  /** The supervisor's log so far. */
  supervisorLogs(): string {
    return this.supervisorLog.text();
  }

  /**
   * A connected simulated board (a real `/worker` connection, a new device) whose tasks do what
   * `behaviour` says — by default they hold until told to finish, so runs stay active.
   */
  async worker(options: Partial<SimulatedWorkerOptions> = {}): Promise<SimulatedWorker> {
    const secret = generateSecret();
    this.secret(secret);
    const device = await this.store.devices.create({ name: this.unique('board'), secretHash: hashSecret(secret) });
    const worker = new SimulatedWorker({
      url: this.url, ca: this.rest.ca, deviceId: device._id, secret, behaviour: () => ({ hold: true }), ...options,
    });
    this.workers.add(worker);
    await worker.connect();
    return worker;
  }

  closeSockets(): void {
    for (const socket of this.sockets) socket.close();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.closeSockets();
    for (const worker of this.workers) worker.close();
    await this.supervisor.close();
    await this.store.close();
    await this.rest.close();
  }
}
