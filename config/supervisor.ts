/** Settings of the supervisor (`supervisor/`): run engine and socket.io hub. */
import { clientApiSettings, serverSettings } from './common.js';
import { settings as s } from './schema.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const supervisorSettings = {
  ...serverSettings,
  supervisorHost: s.text('WORKTY_SUPERVISOR_HOST', '0.0.0.0', 'Address the supervisor listens on'),
  supervisorPort: s.port('WORKTY_SUPERVISOR_PORT', 3000, 'WSS/HTTPS port of the supervisor (socket.io for workers and clients)'),
  leaseDurationMs: s.duration('WORKTY_LEASE_DURATION', '30s', 500, HOUR,
    'How long a dispatched attempt stays leased to its worker without a renewal; a vanished worker\'s attempts are re-dispatched after it'),
  leaseRenewIntervalMs: s.duration('WORKTY_LEASE_RENEW_INTERVAL', '15s', 100, HOUR,
    'How often workers renew their leases (shorter than WORKTY_LEASE_DURATION; about half of it)'),
  stallCheckIntervalMs: s.duration('WORKTY_STALL_CHECK_INTERVAL', '5s', 100, HOUR,
    'How often the supervisor looks for expired leases (a lost attempt is re-dispatched within lease + this)'),
  reconnectGraceMs: s.duration('WORKTY_RECONNECT_GRACE', '30s', 0, HOUR,
    'After a supervisor start, how long workers have to reconnect and renew their leases before expired ones count as lost'),
  pingIntervalMs: s.duration('WORKTY_PING_INTERVAL', '10s', 100, HOUR,
    'socket.io ping interval towards workers and clients'),
  pingTimeoutMs: s.duration('WORKTY_PING_TIMEOUT', '10s', 100, HOUR,
    'socket.io pong timeout: a silent board is marked disconnected within ping interval + this'),
  presenceHeartbeatMs: s.duration('WORKTY_PRESENCE_HEARTBEAT', '30s', 100, HOUR,
    'How often the supervisor marks its connected boards as seen; a board whose supervisor died is shown disconnected after 3 × this'),
  dispatchAckTimeoutMs: s.duration('WORKTY_DISPATCH_ACK_TIMEOUT', '10s', 100, HOUR,
    'How long a worker has to acknowledge a dispatch before the attempt is left to its lease'),
  retryMaxAttempts: s.integer('WORKTY_RETRY_MAX_ATTEMPTS', 3, 1, 100,
    'Default attempts per instance, the first included (an instance\'s own retry policy overrides it)'),
  retryBackoffMs: s.duration('WORKTY_RETRY_BACKOFF', '2s', 0, DAY,
    'Default delay before the second attempt, doubled for each further one'),
  taskTimeoutMs: s.duration('WORKTY_TASK_TIMEOUT', '10m', 100, 7 * DAY,
    'Default time an attempt may run before it is killed and counts as failed'),
  maxLogBytes: s.integer('WORKTY_MAX_LOG_BYTES', 1_048_576, 1024, 1_073_741_824,
    'Captured output kept per attempt, in bytes; beyond it the output is truncated'),
  maxPackageBytes: s.integer('WORKTY_MAX_PACKAGE_BYTES', 52_428_800, 1024, 2_147_483_647,
    'Largest package archive the supervisor dispatches, in bytes; a larger one fails its instance at once'),
  changeFeedPollMs: s.duration('WORKTY_CHANGE_FEED_POLL', '250ms', 10, 60_000,
    'How often the supervisor looks for changes written by other processes (REST run, stop and pause requests)'),
  supervisorShutdownGraceMs: s.duration('WORKTY_SUPERVISOR_SHUTDOWN_GRACE', '10s', 0, HOUR,
    'On SIGTERM/SIGINT: how long in-flight worker reports get to be stored and acknowledged'),
  supervisorShutdownForceMs: s.duration('WORKTY_SUPERVISOR_SHUTDOWN_FORCE', '30s', 100, HOUR,
    'On SIGTERM/SIGINT: stop with an error if the orderly shutdown has not finished by then'),
  supervisorProcesses: s.integer('WORKTY_SUPERVISOR_PROCESSES', 1, 1, 64,
    'node dist/supervisor/cluster.js only: how many supervisors to run on this host, on WORKTY_SUPERVISOR_PORT and the ports after it'),
  ...clientApiSettings,
};
