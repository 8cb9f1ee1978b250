/**
 * Entry point of the worker daemon: configuration, signals and the top-level catch only (see app.ts).
 * `--check` reads the status of the worker running with this configuration instead (status.ts: the
 * container health check; exit 0 healthy, 1 not).
 */
import { Command } from 'commander';
import { ConfigError, loadConfig, workerSettings } from '../config/index.js';
import { createLogger } from '../shared/log.js';
import { createWorkerApp, workerFolders, workerStopBoundMs, WorkerSetupError } from './app.js';
import { checkStatus, statusFilePath } from './status.js';

const program = new Command('workty-worker')
  .description('The Workty worker daemon: runs workties on this board for a supervisor')
  .option('-c, --config <file>', 'JSON file of settings (environment variables take precedence)')
  .option('--check', 'read the status of the worker running with this configuration: exit 0 when healthy (container health check)')
  .parse();
const { config: configFile, check } = program.opts<{ config?: string; check?: boolean }>();

let config;
try {
  config = loadConfig(workerSettings, { file: configFile });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
if (check === true) {
  const verdict = checkStatus(statusFilePath(config.statusFile, workerFolders(config.workerDir).root), config.statusIntervalMs);
  process.stdout.write(`${verdict.summary}\n`);
  process.exit(verdict.healthy ? 0 : 1);
}
if (config.deviceId === undefined || config.deviceSecret === undefined) {
  process.stderr.write('The worker needs its device credential: set WORKTY_DEVICE_ID and WORKTY_DEVICE_SECRET '
    + '(an admin makes a device with POST /api/v1/devices; the secret is shown once).\n');
  process.exit(2);
}

// Every line says which board it comes from (runs and attempts add their own fields: attempts/attempt.ts).
const logger = createLogger({ role: 'worker', level: config.logLevel, fields: { deviceId: config.deviceId } });
const settings = config;

process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception; the outbox keeps what was reported');
  process.exit(1);
});

try {
  const agent = await createWorkerApp(settings, logger);
  // How long a shutdown may take before it is cut short: grace, kill, and sending what is left.
  const forceAfterMs = workerStopBoundMs(settings);
  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: stopping running attempts now');
      void agent.close({ force: true });
      return;
    }
    logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      logger.fatal({ forceAfterMs }, 'shutdown did not finish in time; exiting anyway');
      process.exit(1);
    }, forceAfterMs);
    timer.unref();
    agent.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  agent.start();
  // The launcher waits for this. Connected first when possible (so that the board's runtimes are known
  // before anyone runs a workflow), but never held up by a supervisor that is away: it keeps dialling.
  if (!(await agent.connected(settings.readyWaitMs))) {
    logger.warn({ waitedMs: settings.readyWaitMs }, 'not connected to the supervisor yet; still trying');
  }
  process.send?.({ type: 'ready', role: 'worker' });
} catch (error) {
  if (error instanceof WorkerSetupError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  logger.fatal({ err: error }, 'worker start failed');
  process.exit(1);
}
