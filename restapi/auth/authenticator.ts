/**
 * HTTP Basic authentication (`email:password`) through passport, checked with the shared password
 * login (`shared/security/login.ts`: the failed-login throttle, then the cached bcrypt verification).
 *
 * - No or unreadable credentials: 401 with `WWW-Authenticate: Basic realm="workty"`, at once (the
 *   2016 server hung on a missing header).
 * - Wrong credentials: 401; the message never repeats what was sent (2016 echoed the password).
 * - A removed account with the right password: 403 code 14.
 * - Too many failures for the email or from the address: 429 with `Retry-After`.
 */
import passport from 'passport';
import { BasicStrategy } from 'passport-http';
import type { Request } from 'restify';
import { ErrorCode, ForbiddenError, UnauthorizedError } from '../../shared/domain/errors.js';
import type { Account } from '../../shared/domain/model.js';
import type { PasswordLogin } from '../../shared/security/login.js';
import { AUTH_REALM } from '../http/errors.js';

type Done = (error: unknown, user?: Account | false) => void;
type Verify = (req: Request, email: string, password: string, done: Done) => void;

/** What passport adds to a strategy while it authenticates a request. */
interface StrategyActions {
  fail(challenge?: string | number, status?: number): void;
  success(user: Account): void;
  error(error: unknown): void;
}

/**
 * passport-http's BasicStrategy with RFC 7617 parsing: the password is everything after the first
 * colon (passport-http 0.3 cuts it at a second colon, so such passwords could never log in), and the
 * header is decoded as UTF-8.
 */
class WorktyBasicStrategy extends BasicStrategy {
  constructor(private readonly check: Verify) {
    super({ realm: AUTH_REALM, passReqToCallback: true }, check as never);
  }

  override authenticate(incoming: { headers: { authorization?: string | undefined } }): void {
    // passport calls this on a per-request copy of the strategy carrying these actions.
    const actions = this as unknown as StrategyActions;
    const req = incoming as Request;
    const challenge = `Basic realm="${AUTH_REALM}"`;
    const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(req.headers.authorization ?? '');
    if (match === null) return actions.fail(challenge);
    const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0 || colon === decoded.length - 1) return actions.fail(challenge);
    this.check(req, decoded.slice(0, colon), decoded.slice(colon + 1), (error, user) => {
      if (error) return actions.error(error);
      if (!user) return actions.fail(challenge);
      return actions.success(user);
    });
  }
}

export interface AuthenticatorOptions {
  /** The throttled, cached password check shared with the supervisor's socket handshakes. */
  login: PasswordLogin;
}

export class Authenticator {
  /** A private passport instance: no process-wide authentication state. */
  private readonly passport = new passport.Passport();

  constructor(private readonly options: AuthenticatorOptions) {
    this.passport.use(new WorktyBasicStrategy((req, email, password, done) => {
      this.verify(req, email, password).then((account) => done(null, account ?? false), (error: unknown) => done(error));
    }));
  }

  /** The authenticated, not removed, account of the request; throws 401, 403 (code 14) or 429. */
  authenticate(req: Request): Promise<Account> {
    return new Promise((resolve, reject) => {
      const middleware = this.passport.authenticate('basic', { session: false }, (error: unknown, account: Account | false) => {
        if (error) return reject(error);
        if (!account) {
          return reject(new UnauthorizedError(req.headers.authorization === undefined ? 'Authentication required (HTTP Basic, email:password)' : 'Invalid credentials'));
        }
        if (account.removed) return reject(new ForbiddenError('Account removed', ErrorCode.accountRemoved));
        return resolve(account);
      }) as (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
      middleware(req, undefined, reject);
    });
  }

  private async verify(req: Request, email: string, password: string): Promise<Account | null> {
    const credentials = await this.options.login.check(email, password, req.socket.remoteAddress ?? 'unknown');
    return credentials?.account ?? null;
  }
}
