/** Settings of the REST API server (`restapi/`). */
import { clientApiSettings, serverSettings } from './common.js';
import { settings as s } from './schema.js';

const MIB = 1024 * 1024;

export const restapiSettings = {
  ...serverSettings,
  restHost: s.text('WORKTY_REST_HOST', '0.0.0.0', 'Address the REST API listens on'),
  restPort: s.port('WORKTY_REST_PORT', 9999, 'HTTPS port of the REST API (prefix /api/v1)'),
  supervisorUrl: s.requiredUrl('WORKTY_SUPERVISOR_URL', 'https://localhost:3000', ['https'], 'Supervisor base URL, for the health report'),
  supervisorProbeTimeoutMs: s.duration('WORKTY_SUPERVISOR_PROBE_TIMEOUT', '2s', 100, 60_000, 'Health report: how long to wait for the supervisor before calling it unreachable'),
  restBodyLimit: s.integer('WORKTY_REST_BODY_LIMIT', MIB, 1024, 64 * MIB, 'Largest JSON request body in bytes (413 above); package uploads have their own limit'),
  restResponseCacheBytes: s.integer('WORKTY_REST_RESPONSE_CACHE_BYTES', 16 * MIB, 0, 1024 * MIB,
    'Memory for answers to GET requests of workflows, instances and workties, served again while the store has not changed (checked against its change feed on every request); 0 = off'),
  packageLimit: clientApiSettings.packageLimit,
  tokenTtlMs: clientApiSettings.tokenTtlMs,
  loginFailuresPerAccount: clientApiSettings.loginFailuresPerAccount,
  loginFailuresPerAddress: clientApiSettings.loginFailuresPerAddress,
  loginFailureWindowMs: clientApiSettings.loginFailureWindowMs,
  shutdownGraceMs: s.duration('WORKTY_SHUTDOWN_GRACE', '10s', 0, 300_000, 'On SIGINT/SIGTERM, how long in-flight requests may finish before connections are cut'),
};
