/**
 * The one password login check of every transport (REST's HTTP Basic, the supervisor's socket
 * handshakes): the failed-login throttle first (a throttled email or address is refused without a
 * password check), then the cached bcrypt verification; a failure counts against the throttle.
 */
import type { AccountCredentials } from '../domain/model.js';
import type { Logger } from '../log.js';
import type { CredentialVerifier } from './passwords.js';
import type { LoginThrottle } from './throttle.js';

export interface PasswordLoginOptions {
  verifier: CredentialVerifier;
  throttle: LoginThrottle;
  logger: Logger;
}

export class PasswordLogin {
  constructor(private readonly options: PasswordLoginOptions) {}

  /**
   * The account's credentials (removed accounts included: the caller refuses those with its own
   * error) when the password is right, else null. Throws TooManyRequestsError when throttled.
   */
  async check(email: string, password: string, address: string): Promise<AccountCredentials | null> {
    const { throttle, verifier, logger } = this.options;
    await throttle.check(email, address);
    const credentials = await verifier.verify(email, password);
    if (credentials === null) {
      await throttle.failed(email, address);
      logger.info({ address }, 'failed login');
      return null;
    }
    return credentials;
  }

  /** Counts a failed login that named no account (e.g. a bad socket token) against the address. */
  async failedWithoutAccount(address: string): Promise<void> {
    await this.options.throttle.failed(null, address);
  }

  /** Throws TooManyRequestsError when the address has no failures left. */
  checkAddress(address: string): Promise<void> {
    return this.options.throttle.check(null, address);
  }
}
