/**
 * Password hashing (bcrypt) and HTTP Basic / socket handshake verification with a short-lived cache
 * of successful checks, so that an authenticated client does not pay a full bcrypt check per request.
 *
 * INVARIANTS
 * - The cache key is an HMAC of (email, password) under a per-process random key: the cache never
 *   holds a password, and a different password is a different key.
 * - A cached success counts only while the account's stored hash and credentials version are the
 *   ones it was made with; both are re-read from the store on every verification, so a password
 *   change or removal (which bump the version) ends it at once, in every process.
 * - Unknown emails still cost one bcrypt comparison, so timing does not tell which emails exist.
 * - Concurrent checks of the same (email, password) against the same stored hash share one bcrypt
 *   comparison: a client opening twenty connections at once costs one comparison, not twenty (with
 *   bcrypt's thread pool of four, twenty would hold every request back for seconds).
 */
import bcrypt from 'bcrypt';
import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { AccountCredentials } from '../domain/model.js';

export interface PasswordHasherOptions {
  /** bcrypt cost factor. */
  cost: number;
}

export class PasswordHasher {
  constructor(private readonly options: PasswordHasherOptions) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.options.cost);
  }

  compare(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(password, hash);
  }
}

export interface CredentialLookup {
  findCredentialsByEmail(email: string): Promise<AccountCredentials | null>;
}

export interface CredentialVerifierOptions {
  /** How long a success is remembered; 0 disables the cache. */
  ttlMs: number;
  /** Bound on remembered successes. */
  maxEntries?: number;
}

interface CachedSuccess {
  passwordHash: string;
  credentialsVersion: number;
}

export class CredentialVerifier {
  private readonly key = randomBytes(32);
  private readonly cache: LRUCache<string, CachedSuccess> | null;
  /** A real hash to compare against when the email is unknown (same cost as real ones). */
  private decoy: Promise<string> | null = null;
  /** Comparisons under way, by cache key and stored hash. */
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly accounts: CredentialLookup,
    private readonly hasher: PasswordHasher,
    options: CredentialVerifierOptions,
  ) {
    this.cache = options.ttlMs > 0 ? new LRUCache({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs }) : null;
  }

  /**
   * The account's credentials when the password is right (removed accounts included: the caller
   * answers those with its own error), else null.
   */
  async verify(email: string, password: string): Promise<AccountCredentials | null> {
    const credentials = await this.accounts.findCredentialsByEmail(email);
    if (credentials === null) {
      await this.hasher.compare(password, await this.decoyHash());
      return null;
    }
    const cacheKey = this.cacheKey(email, password);
    const cached = this.cache?.get(cacheKey);
    if (cached && cached.passwordHash === credentials.passwordHash && cached.credentialsVersion === credentials.credentialsVersion) {
      return credentials;
    }
    if (!(await this.compareOnce(cacheKey, password, credentials.passwordHash))) return null;
    this.cache?.set(cacheKey, { passwordHash: credentials.passwordHash, credentialsVersion: credentials.credentialsVersion });
    return credentials;
  }

  /** Number of remembered successes (for tests and metrics). */
  get size(): number {
    return this.cache?.size ?? 0;
  }

  private compareOnce(cacheKey: string, password: string, passwordHash: string): Promise<boolean> {
    const key = `${cacheKey}\0${passwordHash}`;
    let comparison = this.inFlight.get(key);
    if (comparison === undefined) {
      comparison = this.hasher.compare(password, passwordHash).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, comparison);
    }
    return comparison;
  }

  private cacheKey(email: string, password: string): string {
    return createHmac('sha256', this.key).update(email.toLowerCase()).update('\0').update(password).digest('base64');
  }

  private decoyHash(): Promise<string> {
    this.decoy ??= this.hasher.hash(randomBytes(16).toString('hex'));
    return this.decoy;
  }
}
