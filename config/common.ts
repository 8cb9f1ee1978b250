/** Settings shared by the server roles (restapi, supervisor, and the launcher that starts both). */
import { settings as s } from './schema.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const loggingSettings = {
  logLevel: s.oneOf('WORKTY_LOG_LEVEL', LOG_LEVELS, 'info', 'Operator log level (JSON lines; human-readable on a terminal)'),
};

export const storeSettings = {
  dataDir: s.text('WORKTY_DATA_DIR', './data', 'Directory of the embedded store, the generated TLS material and the admin password file'),
  mongodbUrl: s.url('WORKTY_MONGODB_URL', undefined, ['mongodb', 'mongodb+srv'], 'MongoDB URL (a replica set); unset = the embedded SQLite store', true),
};

export const tlsSettings = {
  tlsCert: s.optionalText('WORKTY_TLS_CERT', 'PEM certificate file; unset = a self-signed one made on first start under the data directory'),
  tlsKey: s.optionalText('WORKTY_TLS_KEY', 'PEM private key file matching WORKTY_TLS_CERT'),
};

export const accountSettings = {
  adminEmail: s.text('WORKTY_ADMIN_EMAIL', 'supervisor@localhost', 'Email of the admin account made on first start'),
  adminPassword: s.secret('WORKTY_ADMIN_PASSWORD', 12, 'Password of that admin account; unset = generated, printed once and written to DATA_DIR/admin-password (mode 0600)'),
  bcryptCost: s.integer('WORKTY_BCRYPT_COST', 12, 4, 15, 'bcrypt cost factor for password hashes'),
  credentialCacheTtlMs: s.duration('WORKTY_CREDENTIAL_CACHE_TTL', '5m', 0, 3_600_000, 'How long a successful password check is remembered (0 = never); a password change or removal ends it at once'),
};

/** Prometheus metrics, served on each server role's own HTTPS port (docs/operations.md). */
export const metricsSettings = {
  metricsToken: s.secret('WORKTY_METRICS_TOKEN', 16,
    'Bearer token a scraper sends to GET /metrics on the role\'s HTTPS port (Prometheus text format); unset = /metrics is off (404)'),
};

const MIB = 1024 * 1024;

/**
 * Settings of the client API, served by the REST API and by the supervisor's client sockets alike:
 * the same package limit, token lifetime, and failed-login throttle (each process counts its own share).
 */
export const clientApiSettings = {
  packageLimit: s.integer('WORKTY_PACKAGE_LIMIT', 10 * MIB, 1024, 512 * MIB, 'Largest workty package (zip) in bytes (413 above)'),
  loginFailuresPerAccount: s.integer('WORKTY_LOGIN_FAILURES_PER_ACCOUNT', 10, 1, 100_000, 'Failed logins for one email within the window before further attempts get 429'),
  loginFailuresPerAddress: s.integer('WORKTY_LOGIN_FAILURES_PER_ADDRESS', 100, 1, 1_000_000, 'Failed logins from one client address within the window before further attempts get 429'),
  tokenTtlMs: s.duration('WORKTY_TOKEN_TTL', '24h', 60_000, 30 * 24 * 3_600_000, 'Lifetime of a socket token (POST /tokens, or a client socket\'s sv.account.add.token); a request may ask for a shorter one'),
  loginFailureWindowMs: s.duration('WORKTY_LOGIN_FAILURE_WINDOW', '15m', 1000, 24 * 3_600_000, 'Window counting failed logins; a throttled email or address waits until it ends'),
};

/** Everything a process that opens the store and serves TLS needs. */
export const serverSettings = { ...loggingSettings, ...storeSettings, ...tlsSettings, ...accountSettings, ...metricsSettings };
