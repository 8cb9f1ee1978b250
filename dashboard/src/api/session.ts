/**
 * A signed-in dashboard: one socket.io connection to the supervisor that served the page, with one
 * socket per namespace of the client API (docs/socket-api.md), all typed by
 * `shared/protocol/clients.ts`.
 *
 * Signing in sends the password once, in the `/accounts` handshake; the session then asks for a
 * socket token (`sv.account.add.token`) and uses it for every other namespace and every reconnection,
 * so the password is not kept. The token is kept in this tab's sessionStorage, so a reload stays
 * signed in; signing out revokes it. When the server ends the session (token expired or revoked,
 * account removed, supervisor shutting down), `ended` fires with its reason.
 */
import { Manager, type Socket } from 'socket.io-client';
import type {
  AccountDoc, Ack, AckFailure, ClientContext, ClientProtocol, ClientRefusal, SessionEnded,
} from '../../../shared/protocol/clients.js';
import { CLIENT_NAMESPACES } from '../../../shared/protocol/clients.js';
import { ApiError, ok } from './errors.js';

export type ClientSocket<C extends ClientContext> = Socket<ClientProtocol[C]['server'], ClientProtocol[C]['client']>;

/** How long a request may wait for its acknowledgement. */
export const REQUEST_TIMEOUT_MS = 20_000;

const TOKEN_KEY = 'workty.dashboard.token';

interface StoredToken {
  id: string;
  token: string;
  expires: string;
}

/** A handshake refused: the server's reason, and its code (`bad-credentials`, `throttled`...). */
export class SignInError extends Error {
  constructor(message: string, readonly code: ClientRefusal['code'] | 'unreachable', readonly retryAfterSeconds?: number) {
    super(message);
    this.name = 'SignInError';
  }
}

type Credentials = { email: string; password: string } | { token: string };

/** The payload of a request event (`(payload, ack) => void`). */
export type PayloadOf<F> = F extends (payload: infer P, ack: never) => void ? P : never;
/** The successful acknowledgement of a request event. */
export type ResultOf<F> = F extends (payload: never, ack: (ack: infer K) => void) => void ? Exclude<K, AckFailure> : never;

/** What the session tells the app. */
export interface SessionEvents {
  /** The server ended the session, or its token stopped working. */
  ended: (reason: string) => void;
  /** The account changed (balance, name, roles). */
  account: (account: AccountDoc) => void;
  /** The connection dropped (`false`) or came back (`true`). */
  online: (online: boolean) => void;
}

type Listeners = { [E in keyof SessionEvents]: Set<SessionEvents[E]> };

export class Session {
  private readonly sockets = new Map<ClientContext, Socket>();
  private readonly listeners: Listeners = { ended: new Set(), account: new Set(), online: new Set() };
  private closed = false;

  private constructor(
    private readonly manager: Manager,
    private credentials: Credentials,
    private stored: StoredToken | null,
    public account: AccountDoc,
  ) {}

  /** Signs in with a password: the `/accounts` handshake, then a token for everything else. */
  static async signIn(email: string, password: string): Promise<Session> {
    const session = await Session.open({ email, password });
    try {
      const { token } = await session.call('accounts', 'sv.account.add.token', { token: { name: `dashboard (${browserName()})` } });
      session.stored = { id: token._id, token: token.token, expires: token.expires };
      session.credentials = { token: token.token };
      storage.set(JSON.stringify(session.stored));
    } catch (error) {
      session.close();
      throw error;
    }
    return session;
  }

  /** Resumes the session of this tab (after a reload), or null when there is none or it stopped working. */
  static async resume(): Promise<Session | null> {
    const stored = readStoredToken();
    if (stored === null) return null;
    try {
      const session = await Session.open({ token: stored.token });
      session.stored = stored;
      return session;
    } catch (error) {
      if (error instanceof SignInError && (error.code === 'invalid-token' || error.code === 'account-removed')) {
        storage.remove();
        return null;
      }
      throw error;
    }
  }

  private static async open(credentials: Credentials): Promise<Session> {
    const manager = new Manager(location.origin, {
      autoConnect: false,
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10_000,
    });
    // The account is read right after the handshake, before anyone uses the session.
    const session = new Session(manager, credentials, null, null as unknown as AccountDoc);
    const accounts = session.socket('accounts');
    await new Promise<void>((resolve, reject) => {
      const refused = (error: Error & { data?: ClientRefusal }): void => {
        accounts.off('connect', connected);
        session.close();
        const code = error.data?.code ?? 'unreachable';
        const message = error.data === undefined ? 'The supervisor cannot be reached. Is it running?' : error.message;
        reject(new SignInError(message, code, error.data?.retryAfterSeconds));
      };
      const connected = (): void => {
        accounts.off('connect_error', refused);
        resolve();
      };
      accounts.once('connect', connected);
      accounts.once('connect_error', refused);
    });
    const { account } = await session.call('accounts', 'sv.account.refresh', { account: { id: 'me' } });
    session.account = account;
    accounts.on('sv.account.changed', (change) => {
      if (change.op !== 'updated' || !('account' in change) || change.account._id !== session.account._id || 'deleted' in change.account) return;
      session.account = change.account;
      session.emit('account', change.account);
    });
    manager.on('reconnect', () => session.emit('online', true));
    accounts.on('connect', () => session.emit('online', true));
    return session;
  }

  /** The supervisor's base URL (the page's origin). */
  get origin(): string {
    return location.origin;
  }

  get isAdmin(): boolean {
    return this.account.aclRoleNames.includes('admin');
  }

  /** The socket of a namespace, connected on first use. */
  socket<C extends ClientContext>(context: C): ClientSocket<C> {
    let socket = this.sockets.get(context);
    if (socket === undefined) {
      // Read at every (re)connection: the token replaces the password as soon as it is issued.
      socket = this.manager.socket(CLIENT_NAMESPACES[context], { auth: (cb) => cb(this.credentials) });
      // A supervisor shutting down ends its sessions, but the token still works: come back when it is up again.
      let restarting = false;
      socket.on('sv.session.ended', (ended: SessionEnded) => {
        if (ended.code === 'shutting-down') restarting = true;
        else this.end(ended.reason);
      });
      socket.on('disconnect', (reason) => {
        if (reason === 'io client disconnect' || this.closed) return;
        if (reason === 'io server disconnect' && !restarting) {
          this.end('The supervisor ended this session.');
          return;
        }
        this.emit('online', false);
        // socket.io does not reconnect a socket the server disconnected: ask, and the manager retries until it is back.
        if (reason === 'io server disconnect') socket!.connect();
        restarting = false;
      });
      socket.on('connect_error', (error: Error & { data?: ClientRefusal }) => {
        const code = error.data?.code;
        // A refusal after the first sign-in: the token stopped working meanwhile.
        if (code === 'invalid-token' || code === 'account-removed') this.end(error.message);
        // Refused for now (a supervisor stopping, a store down): socket.io gives up on a refused namespace, so try again later.
        else if (code === 'unavailable' || code === 'throttled') {
          this.emit('online', false);
          window.setTimeout(() => { if (!this.closed) socket!.connect(); }, (error.data?.retryAfterSeconds ?? 5) * 1000);
        }
      });
      this.sockets.set(context, socket);
      socket.connect();
    }
    return socket as unknown as ClientSocket<C>;
  }

  /**
   * Sends a request of a namespace and answers its result; throws an `ApiError` when it is refused or
   * not answered in time. Payload and result are typed by the namespace's event map.
   */
  async call<C extends ClientContext, E extends keyof ClientProtocol[C]['client'] & string>(
    context: C, event: E, payload: PayloadOf<ClientProtocol[C]['client'][E]>,
  ): Promise<ResultOf<ClientProtocol[C]['client'][E]>> {
    const socket = this.socket(context) as unknown as Socket;
    let ack: Ack<unknown>;
    try {
      ack = (await socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(event, payload)) as Ack<unknown>;
    } catch {
      throw new ApiError(0, 0, 'The supervisor did not answer in time. The connection may be down; try again.');
    }
    return ok(ack) as ResultOf<ClientProtocol[C]['client'][E]>;
  }

  on<E extends keyof SessionEvents>(event: E, listener: SessionEvents[E]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  private emit<E extends keyof SessionEvents>(event: E, ...args: Parameters<SessionEvents[E]>): void {
    for (const listener of this.listeners[event]) (listener as (...a: Parameters<SessionEvents[E]>) => void)(...args);
  }

  /** Revokes this tab's token, then closes everything. */
  async signOut(): Promise<void> {
    const stored = this.stored;
    storage.remove();
    if (stored !== null) {
      try {
        await this.call('accounts', 'sv.account.del.token', { token: { id: stored.id } });
      } catch {
        // Signing out locally still happens; the token expires by itself.
      }
    }
    this.close();
  }

  private end(reason: string): void {
    if (this.closed) return;
    storage.remove();
    this.close();
    this.emit('ended', reason);
  }

  close(): void {
    this.closed = true;
    for (const socket of this.sockets.values()) socket.disconnect();
    // The manager closes its connection once it has no socket left.
    this.sockets.clear();
  }
}

/** This tab's storage; a browser refusing it (privacy settings) only costs staying signed in across reloads. */
const storage = {
  get(): string | null {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set(value: string): void {
    try {
      sessionStorage.setItem(TOKEN_KEY, value);
    } catch {
      // Not kept: a reload asks to sign in again.
    }
  },
  remove(): void {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // Nothing was kept.
    }
  },
};

function readStoredToken(): StoredToken | null {
  try {
    const stored = JSON.parse(storage.get() ?? 'null') as StoredToken | null;
    if (stored === null || typeof stored.token !== 'string' || Date.parse(stored.expires) <= Date.now()) return null;
    return stored;
  } catch {
    return null;
  }
}

/** "Firefox on Linux": the token's label, so an account's tokens can be told apart. */
function browserName(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom/.test(ua) ? 'Chromium' : /Safari\//.test(ua) ? 'Safari' : 'browser';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS/.test(ua) ? 'macOS' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : '';
  return os === '' ? browser : `${browser} on ${os}`;
}
