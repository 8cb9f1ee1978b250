/** Settings of the worker daemon (`worker/`) on a board. */
import { loggingSettings } from './common.js';
import { settings as s } from './schema.js';

const MiB = 1024 * 1024;

export const workerSettings = {
  ...loggingSettings,
  supervisorUrl: s.requiredUrl('WORKTY_SUPERVISOR_URL', 'https://localhost:3000', ['https'], 'Supervisor URL the worker dials (WSS)'),
  deviceId: s.optionalText('WORKTY_DEVICE_ID', 'This board\'s device id (from POST /api/v1/devices)'),
  deviceSecret: s.optionalText('WORKTY_DEVICE_SECRET', 'This board\'s device secret (shown once when the device is made or rotated)', true),
  supervisorCa: s.optionalText('WORKTY_SUPERVISOR_CA', 'PEM file of the certificate (or CA) to trust for a self-signed supervisor'),
  supervisorFingerprint: s.optionalText('WORKTY_SUPERVISOR_FINGERPRINT', 'SHA-256 fingerprint (AA:BB:...) of the supervisor certificate to pin instead of a CA file'),
  workerDir: s.text('WORKTY_WORKER_DIR', './data/worker', 'Worker state: package cache, outbox, working directories'),
  slots: s.optionalInteger('WORKTY_WORKER_SLOTS', 1, 256, 'Attempts run at once; unset = the number of CPU cores'),
  maxPackageBytes: s.integer('WORKTY_WORKER_MAX_PACKAGE_BYTES', 64 * MiB, 1024, 4096 * MiB, 'Largest package (zip) the worker downloads'),
  maxUnpackedBytes: s.integer('WORKTY_WORKER_MAX_UNPACKED_BYTES', 256 * MiB, 1024, 16384 * MiB, 'Largest total size of a package once unpacked (declared and actually inflated)'),
  maxPackageEntries: s.integer('WORKTY_WORKER_MAX_PACKAGE_ENTRIES', 10_000, 1, 1_000_000, 'Most files and folders a package may hold'),
  packageCacheBytes: s.integer('WORKTY_WORKER_PACKAGE_CACHE_BYTES', 512 * MiB, 0, 65536 * MiB, 'Disk budget of the package cache; least recently used packages are evicted past it'),
  maxLogBytes: s.integer('WORKTY_WORKER_MAX_LOG_BYTES', 1 * MiB, 1024, 1024 * MiB, 'Most output (stdout + stderr) kept per attempt on this board; a dispatch may ask for less; the rest is dropped and the log says so'),
  maxResultBytes: s.integer('WORKTY_WORKER_MAX_RESULT_BYTES', 1 * MiB, 1024, 64 * MiB, 'Largest JSON result file a task may write'),
  maxCheckpointBytes: s.integer('WORKTY_WORKER_MAX_CHECKPOINT_BYTES', 64 * 1024, 1024, 120 * 1024, 'Largest checkpoint (state + data as JSON) an SDK task may save; it must fit in the WORKTY_CHECKPOINT variable on resume'),
  taskEnv: s.list('WORKTY_WORKER_TASK_ENV', '', 'Names of extra environment variables of the worker passed on to tasks (e.g. HTTP_PROXY); WORKTY_* variables never are'),
  killGraceMs: s.duration('WORKTY_WORKER_KILL_GRACE', '5s', 0, 300_000, 'Between SIGTERM and SIGKILL when a task\'s process tree is killed (timeout, stop, shutdown)'),
  outboxFlushMs: s.duration('WORKTY_WORKER_OUTBOX_FLUSH', '250ms', 10, 60_000, 'Outbox writes are batched: buffered reports are written with one fsync at most this often (state changes sooner)'),
  outboxFlushBytes: s.integer('WORKTY_WORKER_OUTBOX_FLUSH_BYTES', 64 * 1024, 1024, 64 * MiB, 'Buffered outbox bytes that trigger a write before the interval ends'),
  reportBatchSize: s.integer('WORKTY_WORKER_REPORT_BATCH', 200, 1, 10_000, 'Most reports sent to the supervisor in one message'),
  ackTimeoutMs: s.duration('WORKTY_WORKER_ACK_TIMEOUT', '20s', 1000, 600_000, 'How long the worker waits for the supervisor to acknowledge a message before it reconnects'),
  reconnectMinMs: s.duration('WORKTY_WORKER_RECONNECT_MIN', '1s', 10, 600_000, 'First delay before reconnecting; doubles on each failure (with jitter)'),
  reconnectMaxMs: s.duration('WORKTY_WORKER_RECONNECT_MAX', '30s', 10, 3_600_000, 'Longest delay between reconnection attempts'),
  refusedBackoffMs: s.duration('WORKTY_WORKER_REFUSED_BACKOFF', '2m', 10, 86_400_000, 'Wait after a refusal for bad credentials, a disabled device or an unsupported protocol version (at least what the supervisor asks)'),
  readyWaitMs: s.duration('WORKTY_WORKER_READY_WAIT', '15s', 0, 600_000, 'At start, how long the worker waits for its first session before telling a launcher it is up (it keeps trying after that)'),
  statusFile: s.optionalText('WORKTY_WORKER_STATUS_FILE',
    'Where the worker keeps its status for `--check`; unset = WORKTY_WORKER_DIR/status.json (a path on a tmpfs such as /run spares an SD card)'),
  statusIntervalMs: s.duration('WORKTY_WORKER_STATUS_INTERVAL', '10s', 1000, 600_000,
    'How often the worker writes WORKTY_WORKER_DIR/status.json, which `main.js --check` (the container health check) reads: unhealthy when the file is older than 3 × this, or when the worker has had no session with the supervisor for as long'),
  shutdownGraceMs: s.duration('WORKTY_WORKER_SHUTDOWN_GRACE', '10s', 0, 3_600_000, 'On SIGTERM, how long running attempts may finish before they are killed and handed back (give the service manager at least this + the kill grace + 5 s)'),
};
