/**
 * Throttling of failed logins (rate-limiter-flexible) — REST's HTTP Basic and the supervisor's
 * socket handshakes — per account (the email tried) and per client address; a failed token
 * handshake names no account and counts against the address only. Only failures count: a client that logs in correctly is never slowed. Once a key has used
 * up its failures within the window, every attempt with it is refused with 429 until the window
 * ends, without checking the password (that is what stops guessing).
 *
 * A success clears nothing: otherwise an attacker could interleave guesses with logins to an
 * account of their own (resetting the address) or wait for the victim's own login (resetting the
 * account). Counts simply expire with the window.
 *
 * Counts are kept in this process's memory; several servers behind a balancer each count their own
 * share.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyRequestsError } from '../domain/errors.js';

export interface LoginThrottleOptions {
  /** Failures allowed per email within the window. */
  perAccount: number;
  /** Failures allowed per client address within the window. */
  perAddress: number;
  /** The window in milliseconds (rounded up to whole seconds). */
  windowMs: number;
}

export class LoginThrottle {
  private readonly byAccount: RateLimiterMemory;
  private readonly byAddress: RateLimiterMemory;

  constructor(private readonly options: LoginThrottleOptions) {
    const duration = Math.max(1, Math.ceil(options.windowMs / 1000));
    this.byAccount = new RateLimiterMemory({ keyPrefix: 'account', points: options.perAccount, duration });
    this.byAddress = new RateLimiterMemory({ keyPrefix: 'address', points: options.perAddress, duration });
  }

  /** Throws TooManyRequestsError when the email (if any) or the address has no failures left. */
  async check(email: string | null, address: string): Promise<void> {
    const [account, client] = await Promise.all([
      email === null ? null : this.byAccount.get(accountKey(email)),
      this.byAddress.get(address),
    ]);
    let waitMs = 0;
    if (account !== null && account.consumedPoints >= this.options.perAccount) waitMs = Math.max(waitMs, account.msBeforeNext);
    if (client !== null && client.consumedPoints >= this.options.perAddress) waitMs = Math.max(waitMs, client.msBeforeNext);
    if (waitMs > 0) throw new TooManyRequestsError(Math.max(1, Math.ceil(waitMs / 1000)));
  }

  /** Counts a failed login against the email (if any) and the address. */
  async failed(email: string | null, address: string): Promise<void> {
    await Promise.all([
      email === null ? undefined : consume(this.byAccount, accountKey(email)),
      consume(this.byAddress, address),
    ]);
  }
}

function accountKey(email: string): string {
  return email.trim().toLowerCase();
}

/** Consumes one point; running out is expected (the next check refuses), not an error here. */
async function consume(limiter: RateLimiterMemory, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
  }
}
