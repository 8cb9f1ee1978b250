/**
 * `workty-restapi [--config FILE]`: the REST API server alone. Reads the configuration (a bad value
 * stops it with exit code 2 before anything is made), starts the server, and shuts it down
 * gracefully on SIGINT/SIGTERM (in-flight requests finish, then the store closes).
 * `--check` asks the server running on this host for its health instead (the container health check).
 */
import { Command } from 'commander';
import { ConfigError, loadConfig, restapiSettings } from '../config/index.js';
import type { RestapiConfig } from '../config/index.js';
import { loopbackFor, runHealthCheck } from '../shared/health-check.js';


const program = new Command()
  .name('workty-restapi')
  .description('Workty REST API server (HTTPS, /api/v1)')
  .option('--config <file>', 'JSON file of settings (environment variables take precedence)')
  .option('--check', 'ask the REST API running on this host for its health: exit 0 when it answers 200 (container health check)')
  .parse();
const options = program.opts<{ config?: string; check?: boolean }>();

let config: RestapiConfig;
try {
  config = loadConfig(restapiSettings, { file: options.config });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`workty-restapi: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

if (options.check === true) await runHealthCheck(`https://${loopbackFor(config.restHost)}:${config.restPort}/api/v1/health`);

try {
  // Loaded after the check: `--check` needs none of the server (nor restify's start-up warning).
  const { restApiStopBoundMs, startRestApi } = await import('./app.js');
  const api = await startRestApi(config);
  // Under the launcher (an IPC channel exists): say we serve, and where.
  const host = config.restHost === '0.0.0.0' || config.restHost === '::' ? 'localhost' : config.restHost;
  process.send?.({ type: 'ready', role: 'restapi', url: `https://${host}:${api.port}` });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    api.logger.info({ signal }, 'shutting down');
    // Past the grace period plus a margin, something is stuck: say so and leave.
    const force = setTimeout(() => {
      process.stderr.write('workty-restapi: shutdown did not finish in time; exiting\n');
      process.exit(1);
    }, restApiStopBoundMs(config));
    force.unref();
    api.close().then(
      () => api.logger.flush(() => process.exit(0)),
      (error: unknown) => {
        process.stderr.write(`workty-restapi: error while shutting down: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`workty-restapi: cannot start: ${(error as Error).message}\n`);
  process.exit(1);
}
