/** Worker configurations for tests: short timings, a temporary worker folder, trust in a fake supervisor. */
import { loadConfig, workerSettings, type WorkerConfig } from '../../../config/index.js';
import type { FakeSupervisor } from './fake-supervisor.js';

/** Quick to react (reconnect, flush, kill) so that tests are fast; `env` overrides any setting. */
export function testWorkerConfig(supervisor: FakeSupervisor | null, workerDir: string, env: Record<string, string> = {}): WorkerConfig {
  return loadConfig(workerSettings, { env: testWorkerEnv(supervisor, workerDir, env) });
}

/** The same as environment variables (to start the daemon as a process). */
export function testWorkerEnv(supervisor: FakeSupervisor | null, workerDir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    WORKTY_LOG_LEVEL: 'silent',
    WORKTY_WORKER_DIR: workerDir,
    WORKTY_WORKER_SLOTS: '4',
    WORKTY_WORKER_RECONNECT_MIN: '50ms',
    WORKTY_WORKER_RECONNECT_MAX: '300ms',
    WORKTY_WORKER_REFUSED_BACKOFF: '300ms',
    WORKTY_WORKER_OUTBOX_FLUSH: '20ms',
    WORKTY_WORKER_ACK_TIMEOUT: '3s',
    WORKTY_WORKER_KILL_GRACE: '500ms',
    WORKTY_WORKER_SHUTDOWN_GRACE: '10s',
    WORKTY_WORKER_READY_WAIT: '1s',
    ...(supervisor === null ? {} : {
      WORKTY_SUPERVISOR_URL: supervisor.url,
      WORKTY_SUPERVISOR_CA: supervisor.tls.certPath,
      WORKTY_DEVICE_ID: supervisor.deviceId,
      WORKTY_DEVICE_SECRET: supervisor.secret,
    }),
    ...env,
  };
}
