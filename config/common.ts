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

/** Everything a process that opens the store and serves TLS needs. */
export const serverSettings = { ...loggingSettings, ...storeSettings, ...tlsSettings, ...accountSettings };
