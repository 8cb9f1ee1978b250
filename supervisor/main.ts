/**
 * Entry point of the supervisor: configuration, signals and the top-level catch only (the pieces are
 * built in app.ts). SIGINT/SIGTERM start one orderly shutdown; if it has not finished after
 * WORKTY_SUPERVISOR_SHUTDOWN_FORCE the process exits with an error, loudly. `--check` asks the
 * supervisor running on this host for its health instead (the container health check).
 */
import { Command } from 'commander';
import { ConfigError, loadConfig, supervisorSettings, type SupervisorConfig } from '../config/index.js';
import { loopbackFor, runHealthCheck } from '../shared/health-check.js';
import { createLogger, type Logger } from '../shared/log.js';
import { createMetricsRegistry } from '../shared/metrics/registry.js';
import { prepareServer } from '../shared/seed/bootstrap.js';
import type { Store } from '../shared/store/port.js';
import { createSupervisor, type Supervisor } from './app.js';
import { createClientAdapter, type ClientAdapter } from './clients/index.js';

const program = new Command('workty-supervisor')
  .description('Workty supervisor: run engine and socket.io hub for workers and clients')
  .option('-c, --config <file>', 'JSON file of settings (environment variables take precedence)')
  .option('--check', 'ask the supervisor running on this host for its health: exit 0 when it answers 200 (container health check)')
  .parse();
const { config: configFile, check } = program.opts<{ config?: string; check?: boolean }>();

function readConfig(): SupervisorConfig {
  const config = loadConfig(supervisorSettings, { file: configFile });
  if (config.leaseRenewIntervalMs >= config.leaseDurationMs) {
    throw new ConfigError([
      `WORKTY_LEASE_RENEW_INTERVAL (${config.leaseRenewIntervalMs} ms) must be shorter than WORKTY_LEASE_DURATION (${config.leaseDurationMs} ms); about half of it`,
    ]);
  }
  return config;
}

let config: SupervisorConfig;
try {
  config = readConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

if (check === true) await runHealthCheck(`https://${loopbackFor(config.supervisorHost)}:${config.supervisorPort}/health`);

const logger = createLogger({ role: 'supervisor', level: config.logLevel });
let store: Store | null = null;
let supervisor: Supervisor | null = null;
let adapter: ClientAdapter | null = null;
let stopping: Promise<void> | null = null;

async function shutdown(logger: Logger): Promise<void> {
  try {
    await supervisor?.close();
  } finally {
    await adapter?.close();
    await store?.close();
  }
  logger.info('stopped');
}

function stop(reason: string, exitCode: number): void {
  if (stopping !== null) return;
  logger.info({ reason }, 'stopping');
  const force = setTimeout(() => {
    logger.fatal({ afterMs: config.supervisorShutdownForceMs }, 'shutdown did not finish in time; exiting with work possibly unacknowledged');
    process.exit(1);
  }, config.supervisorShutdownForceMs);
  force.unref();
  stopping = shutdown(logger).then(
    () => process.exit(exitCode),
    (error: unknown) => {
      logger.fatal({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop(signal, 0));

async function start(): Promise<void> {
  const prepared = await prepareServer(config, logger, { seed: true });
  store = prepared.store;
  // Several supervisors share broadcasts through the adapter that fits the store (docs/socket-api.md).
  adapter = await createClientAdapter({ mongodbUrl: config.mongodbUrl, logger });
  supervisor = createSupervisor({ config, store, tls: prepared.tls, logger, adapter, metrics: createMetricsRegistry({ processMetrics: true }) });
  const { port } = await supervisor.listen();
  const host = config.supervisorHost === '0.0.0.0' || config.supervisorHost === '::' ? 'localhost' : config.supervisorHost;
  process.send?.({ type: 'ready', role: 'supervisor', url: `https://${host}:${port}` });
}

start().catch((error: unknown) => {
  logger.fatal({ err: error }, 'start failed');
  stop('start failed', 1);
});
