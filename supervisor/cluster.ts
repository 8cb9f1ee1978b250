/**
 * Several supervisors on one host (the embedded store): `node dist/supervisor/cluster.js` forks
 * WORKTY_SUPERVISOR_PROCESSES node cluster workers, each a whole supervisor (`main.ts`) on its own
 * port — WORKTY_SUPERVISOR_PORT, then the next ones — linked by `@socket.io/cluster-adapter`, whose
 * messages this primary relays (`setupPrimary()`). Boards and clients pick a supervisor by its port
 * (or through a load balancer keeping each client on one). Each supervisor follows the shared change
 * feed for its own sockets, so every client gets every change it may see once (docs/socket-api.md).
 *
 * The primary only forks, relays and forwards signals: a worker that dies unexpectedly is started
 * again on its port; SIGINT/SIGTERM stop them all (each shuts down in order) and then the primary.
 */
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { setupPrimary } from '@socket.io/cluster-adapter';
import { ConfigError, loadConfig, supervisorSettings, type SupervisorConfig } from '../config/index.js';
import { createLogger } from '../shared/log.js';

let config: SupervisorConfig;
try {
  config = loadConfig(supervisorSettings);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const logger = createLogger({ role: 'supervisor-cluster', level: config.logLevel });
const count = config.supervisorProcesses;
const basePort = config.supervisorPort;
if (basePort + count - 1 > 65_535) {
  process.stderr.write(`WORKTY_SUPERVISOR_PORT (${basePort}) + WORKTY_SUPERVISOR_PROCESSES (${count}) passes port 65535\n`);
  process.exit(2);
}

setupPrimary();
cluster.setupPrimary({ exec: fileURLToPath(new URL('./main.js', import.meta.url)), args: process.argv.slice(2) });

let stopping = false;
const ports = new Map<Worker, number>();
/** Port → URL of the supervisors serving. */
const ready = new Map<number, string>();

function start(port: number): void {
  const worker = cluster.fork({ WORKTY_SUPERVISOR_PORT: String(port) });
  ports.set(worker, port);
  worker.on('message', (message: { type?: string; url?: string }) => {
    if (message?.type !== 'ready') return;
    ready.set(port, message.url ?? `https://localhost:${port}`);
    logger.info({ port }, 'supervisor ready');
    // Tell a launcher (or a test) once every supervisor serves.
    if (ready.size === count) {
      process.send?.({ type: 'ready', role: 'supervisor-cluster', urls: [...ready.entries()].sort(([a], [b]) => a - b).map(([, url]) => url) });
    }
  });
  worker.on('exit', (code, signal) => {
    ports.delete(worker);
    if (stopping) {
      if (ports.size === 0) process.exit(0);
      return;
    }
    logger.error({ port, code, signal }, 'a supervisor died; starting it again');
    ready.delete(port);
    setTimeout(() => start(port), 1000).unref();
  });
}

for (let i = 0; i < count; i += 1) start(basePort + i);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    logger.info({ signal }, 'stopping the supervisors');
    if (ports.size === 0) process.exit(0);
    for (const worker of ports.keys()) worker.process.kill(signal);
  });
}
