/**
 * The client handshake: every client namespace runs it as socket.io middleware, so no handler of a
 * namespace is registered for, or runs on, a socket before it is authenticated. Credentials go
 * through passport (a private instance with one strategy): `auth: {email, password}` is checked by
 * the shared password login (failed-login throttle, then the cached bcrypt verification, as REST's
 * HTTP Basic), `auth: {token}` by the token's hash in the store; a failed token counts against the
 * client address in the same throttle.
 *
 * A refusal is a `connect_error` whose message says why and whose data is `{code, retryAfterSeconds?}`;
 * the message never repeats what was sent, nor tells whether an email exists. Accepted sockets keep
 * no password or token: they are dropped from the handshake once checked.
 */
import passport from 'passport';
import type { Socket } from 'socket.io';
import { TooManyRequestsError } from '../../shared/domain/errors.js';
import type { Logger } from '../../shared/log.js';
import type { ClientRefusal, ClientRefusalCode } from '../../shared/protocol/clients.js';
import type { PasswordLogin } from '../../shared/security/login.js';
import { hashSecret } from '../../shared/security/secrets.js';
import type { Store } from '../../shared/store/port.js';
import type { ClientSession, ClientSocket } from './sessions.js';

export class HandshakeRefusal extends Error {
  readonly data: ClientRefusal;
  constructor(code: ClientRefusalCode, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'HandshakeRefusal';
    this.data = retryAfterSeconds === undefined ? { code } : { code, retryAfterSeconds };
  }
}

const MESSAGES = {
  authRequired: 'authentication required: connect with auth {email, password} or {token} (a token from POST /api/v1/tokens)',
  badCredentials: 'invalid credentials',
  removed: 'the account was removed',
  invalidToken: 'the token is unknown, expired or revoked: make a new one with POST /api/v1/tokens',
} as const;

export interface HandshakeDeps {
  store: Store;
  login: PasswordLogin;
  logger: Logger;
  /** True once the supervisor is shutting down. */
  closing: () => boolean;
}

/** What the strategy reads of a handshake (passport hands it a "request"). */
interface HandshakeRequest {
  auth: Record<string, unknown>;
  address: string;
}

/** What passport adds to a strategy while it authenticates a request. */
interface StrategyActions {
  success(user: ClientSession): void;
  error(error: unknown): void;
}

const STRATEGY = 'workty-socket-handshake';

/** Reads `{email, password}` or `{token}` and establishes the session, or refuses with a reason. */
class HandshakeStrategy {
  readonly name = STRATEGY;

  constructor(private readonly deps: HandshakeDeps) {}

  authenticate(this: HandshakeStrategy & StrategyActions, req: HandshakeRequest): void {
    this.establish(req).then((session) => this.success(session), (error: unknown) => this.error(error));
  }

  private async establish({ auth, address }: HandshakeRequest): Promise<ClientSession> {
    const { email, password, token } = auth;
    if (typeof token === 'string' && token.length > 0 && email === undefined && password === undefined) {
      return this.withToken(token, address);
    }
    if (typeof email === 'string' && email.length > 0 && typeof password === 'string' && password.length > 0 && token === undefined) {
      return this.withPassword(email, password, address);
    }
    throw new HandshakeRefusal('auth-required', MESSAGES.authRequired);
  }

  private async withPassword(email: string, password: string, address: string): Promise<ClientSession> {
    const credentials = await this.deps.login.check(email, password, address);
    if (credentials === null) throw new HandshakeRefusal('bad-credentials', MESSAGES.badCredentials);
    if (credentials.account.removed) throw new HandshakeRefusal('account-removed', MESSAGES.removed);
    return { account: credentials.account, method: 'password', credentialsVersion: credentials.credentialsVersion, tokenId: null, tokenExpires: null };
  }

  private async withToken(secret: string, address: string): Promise<ClientSession> {
    const { store, login } = this.deps;
    await login.checkAddress(address);
    const found = await store.tokens.findValid(hashSecret(secret));
    if (found === null) {
      await login.failedWithoutAccount(address);
      throw new HandshakeRefusal('invalid-token', MESSAGES.invalidToken);
    }
    const credentials = await store.accounts.getCredentials(found.token.accountId);
    if (credentials === null || credentials.account.removed) throw new HandshakeRefusal('account-removed', MESSAGES.removed);
    return {
      account: credentials.account,
      method: 'token',
      credentialsVersion: credentials.credentialsVersion,
      tokenId: found.token._id,
      tokenExpires: Date.parse(found.token.expires),
    };
  }
}

/** Builds the middleware every client namespace uses (one passport instance for all of them). */
export function clientHandshake(deps: HandshakeDeps) {
  const authenticator = new passport.Passport();
  authenticator.use(new HandshakeStrategy(deps) as unknown as passport.Strategy);

  const authenticate = (req: HandshakeRequest): Promise<ClientSession> => new Promise((resolve, reject) => {
    const middleware = authenticator.authenticate(STRATEGY, { session: false }, (error: unknown, session: ClientSession | false) => {
      if (error) reject(error);
      else if (session) resolve(session);
      else reject(new HandshakeRefusal('auth-required', MESSAGES.authRequired));
    }) as (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
    middleware(req, undefined, reject);
  });

  return (socket: ClientSocket, next: (error?: Error) => void): void => {
    const address = socket.handshake.address;
    const refuse = (refusal: HandshakeRefusal): void => {
      deps.logger.info({ code: refusal.data.code, address, nsp: socket.nsp.name }, `client handshake refused: ${refusal.message}`);
      next(refusal);
    };
    if (deps.closing()) {
      refuse(new HandshakeRefusal('unavailable', 'the supervisor is shutting down; retry soon', 2));
      return;
    }
    const raw: unknown = socket.handshake.auth;
    const auth = raw !== null && typeof raw === 'object' ? { ...(raw as Record<string, unknown>) } : {};
    // The handshake object lives as long as the connection: it need not keep the secrets.
    forget(socket);
    authenticate({ auth, address }).then(
      (session) => {
        socket.data = { session };
        next();
      },
      (error: unknown) => {
        if (error instanceof HandshakeRefusal) return refuse(error);
        if (error instanceof TooManyRequestsError) {
          return refuse(new HandshakeRefusal('throttled', `too many failed logins; retry in ${error.retryAfterSeconds} s`, error.retryAfterSeconds));
        }
        deps.logger.error({ err: error, nsp: socket.nsp.name }, 'client handshake failed');
        return refuse(new HandshakeRefusal('unavailable', 'the supervisor cannot check credentials right now; retry soon', 5));
      },
    );
  };
}

function forget(socket: Socket): void {
  const auth = socket.handshake.auth as Record<string, unknown> | null | undefined;
  if (auth === null || typeof auth !== 'object') return;
  delete auth.password;
  delete auth.token;
}
