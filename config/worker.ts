/** Settings of the worker daemon (`worker/`) on a board. */
import { loggingSettings } from './common.js';
import { settings as s } from './schema.js';

export const workerSettings = {
  ...loggingSettings,
  supervisorUrl: s.requiredUrl('WORKTY_SUPERVISOR_URL', 'https://localhost:3000', ['https'], 'Supervisor URL the worker dials (WSS)'),
  deviceId: s.optionalText('WORKTY_DEVICE_ID', 'This board\'s device id (from POST /api/v1/devices)'),
  deviceSecret: s.optionalText('WORKTY_DEVICE_SECRET', 'This board\'s device secret (shown once when the device is made or rotated)', true),
  supervisorCa: s.optionalText('WORKTY_SUPERVISOR_CA', 'PEM file of the certificate (or CA) to trust for a self-signed supervisor'),
  supervisorFingerprint: s.optionalText('WORKTY_SUPERVISOR_FINGERPRINT', 'SHA-256 fingerprint (AA:BB:...) of the supervisor certificate to pin instead of a CA file'),
  workerDir: s.text('WORKTY_WORKER_DIR', './data/worker', 'Worker state: package cache, outbox, working directories'),
};
