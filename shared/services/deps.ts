/** What the use cases need, built by each role's composition root. */
import type { PasswordHasher } from '../security/passwords.js';
import type { Store } from '../store/port.js';

export interface ServiceLimits {
  /** Largest workty package (zip) in bytes (413 above). */
  packageLimit: number;
}

export interface ServiceDeps {
  store: Store;
  /** Hashes every password before it reaches the store. */
  hasher: PasswordHasher;
  limits: ServiceLimits;
}
