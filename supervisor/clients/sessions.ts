/**
 * The authenticated client sockets of this supervisor process, and when they must end.
 *
 * INVARIANTS
 * - A socket is in exactly the rooms its session allows: its own account's, plus `admins` while the
 *   account is an admin. Rooms are joined here only; there is no client-side join.
 * - A session stands only while its credential would still be accepted by a new handshake: the
 *   account exists and is not removed; a password session's password is unchanged (the credentials
 *   version it logged in with); a token session's token is neither revoked nor expired.
 * - That is checked on every request (against the store, so it holds even when the change feed
 *   lags), on every change of the account or token in the feed (whoever made it, in any process),
 *   and when a token expires (a timer). A session that no longer stands gets `sv.session.ended` with
 *   the reason, then a server-side disconnect of its namespace.
 */
import type { Socket } from 'socket.io';
import { isAdmin } from '../../shared/domain/acl.js';
import { UnauthorizedError } from '../../shared/domain/errors.js';
import type { Account, AccountCredentials, Token } from '../../shared/domain/model.js';
import { ALL } from '../../shared/domain/query.js';
import type { Logger } from '../../shared/log.js';
import type { SessionEndCode } from '../../shared/protocol/clients.js';
import { SESSION_ENDED_EVENT } from '../../shared/protocol/clients.js';
import type { Store } from '../../shared/store/port.js';

/** What a handshake established about a socket. */
export interface ClientSession {
  /** The account as last read from the store (roles included). */
  account: Account;
  /** How the socket logged in. */
  readonly method: 'password' | 'token';
  /** The account's credentials version at login (a password change or removal bumps it). */
  readonly credentialsVersion: number;
  /** For a token login: the token's id and expiry (ms since the epoch). */
  readonly tokenId: string | null;
  readonly tokenExpires: number | null;
}

export interface ClientSocketData {
  session: ClientSession;
}

// Client sockets of any namespace: only their data and rooms matter here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ClientSocket = Socket<any, any, any, ClientSocketData>;

export const ADMINS_ROOM = 'admins';
export const accountRoom = (accountId: string): string => `account:${accountId}`;

/** The longest delay a Node timer takes; later expiries re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

interface Verdict {
  code: SessionEndCode;
  reason: string;
}

export class ClientSessions {
  private readonly byAccount = new Map<string, Set<ClientSocket>>();
  private readonly byToken = new Map<string, Set<ClientSocket>>();
  private readonly timers = new Map<ClientSocket, NodeJS.Timeout>();

  constructor(private readonly store: Store, private readonly logger: Logger) {}

  /** Sockets connected to this process. */
  get size(): number {
    let n = 0;
    for (const set of this.byAccount.values()) n += set.size;
    return n;
  }

  /** Registers an authenticated socket: its rooms, its expiry, its removal on disconnect. */
  add(socket: ClientSocket): void {
    const { session } = socket.data;
    index(this.byAccount, session.account._id, socket);
    void socket.join(accountRoom(session.account._id));
    if (isAdmin(session.account)) void socket.join(ADMINS_ROOM);
    if (session.tokenId !== null) {
      index(this.byToken, session.tokenId, socket);
      this.armExpiry(socket);
    }
    socket.once('disconnect', () => this.remove(socket));
  }

  /**
   * The caller's account as stored now, for one request. When the session no longer stands it is
   * ended and a 401 is thrown (the request is answered with it before the socket goes).
   */
  async current(socket: ClientSocket): Promise<Account> {
    const { session } = socket.data;
    const credentials = await this.store.accounts.getCredentials(session.account._id);
    const token = session.tokenId === null ? null : await this.store.tokens.get(session.tokenId, ALL);
    const verdict = judge(session, credentials, token);
    if (verdict !== null) {
      setImmediate(() => this.end(socket, verdict));
      throw new UnauthorizedError(`Session ended: ${verdict.reason}`);
    }
    this.refreshAccount(socket, credentials!.account);
    return credentials!.account;
  }

  /** The feed says the account changed: re-check its sessions here (roles included). */
  async accountChanged(accountId: string): Promise<void> {
    const sockets = this.byAccount.get(accountId);
    if (sockets === undefined || sockets.size === 0) return;
    const credentials = await this.store.accounts.getCredentials(accountId);
    for (const socket of [...sockets]) {
      const { session } = socket.data;
      // Token sessions' tokens are judged by their own changes and timers; only the account matters here.
      const verdict = judge(session, credentials, session.tokenId === null ? null : 'unchanged');
      if (verdict !== null) this.end(socket, verdict);
      else this.refreshAccount(socket, credentials!.account);
    }
  }

  /** The feed says the token changed (revoked, or dropped once expired): re-check its sessions here. */
  async tokenChanged(tokenId: string): Promise<void> {
    const sockets = this.byToken.get(tokenId);
    if (sockets === undefined || sockets.size === 0) return;
    const token = await this.store.tokens.get(tokenId, ALL);
    for (const socket of [...sockets]) {
      const verdict = judgeToken(token);
      if (verdict !== null) this.end(socket, verdict);
    }
  }

  /** Tells the socket why, then disconnects its namespace (the client does not reconnect by itself). */
  end(socket: ClientSocket, verdict: Verdict): void {
    if (!socket.connected) return;
    this.logger.info({ accountId: socket.data.session.account._id, nsp: socket.nsp.name, code: verdict.code }, 'client session ended');
    socket.emit(SESSION_ENDED_EVENT, { code: verdict.code, reason: verdict.reason });
    socket.disconnect();
  }

  /** Ends every session (shutdown). */
  endAll(verdict: Verdict): void {
    for (const set of this.byAccount.values()) for (const socket of [...set]) this.end(socket, verdict);
  }

  private refreshAccount(socket: ClientSocket, account: Account): void {
    socket.data.session.account = account;
    if (isAdmin(account)) void socket.join(ADMINS_ROOM);
    else void socket.leave(ADMINS_ROOM);
  }

  private armExpiry(socket: ClientSocket): void {
    const expires = socket.data.session.tokenExpires!;
    const delay = Math.max(0, expires - Date.now());
    const timer = setTimeout(() => {
      if (Date.now() < expires) this.armExpiry(socket);
      else this.end(socket, { code: 'token-expired', reason: 'the token expired: make a new one with POST /api/v1/tokens' });
    }, Math.min(delay, MAX_TIMER_MS));
    timer.unref();
    this.timers.set(socket, timer);
  }

  private remove(socket: ClientSocket): void {
    const { session } = socket.data;
    unindex(this.byAccount, session.account._id, socket);
    if (session.tokenId !== null) unindex(this.byToken, session.tokenId, socket);
    clearTimeout(this.timers.get(socket));
    this.timers.delete(socket);
  }
}

/**
 * Why a session no longer stands, or null. `token` is the stored token of a token session (null
 * when it is gone), `'unchanged'` when only the account is being judged, null for password sessions.
 */
function judge(session: ClientSession, credentials: AccountCredentials | null, token: Token | null | 'unchanged'): Verdict | null {
  if (credentials === null) return { code: 'account-removed', reason: 'the account was deleted' };
  if (credentials.account.removed) return { code: 'account-removed', reason: 'the account was removed' };
  if (session.tokenId === null) {
    if (credentials.credentialsVersion !== session.credentialsVersion) {
      return { code: 'password-changed', reason: 'the password was changed: log in again' };
    }
    return null;
  }
  return token === 'unchanged' ? null : judgeToken(token);
}

function judgeToken(token: Token | null): Verdict | null {
  if (token === null || token.revoked) return { code: 'token-revoked', reason: 'the token was revoked' };
  if (Date.parse(token.expires) <= Date.now()) {
    return { code: 'token-expired', reason: 'the token expired: make a new one with POST /api/v1/tokens' };
  }
  return null;
}

function index(map: Map<string, Set<ClientSocket>>, key: string, socket: ClientSocket): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(socket);
}

function unindex(map: Map<string, Set<ClientSocket>>, key: string, socket: ClientSocket): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(socket);
  if (set.size === 0) map.delete(key);
}
