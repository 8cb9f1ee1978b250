/** Entry point of `npm start`: signals and the top-level catch only (see launcher.ts). */
import { Command } from 'commander';
import { ConfigError, launcherSettings, loadConfig } from '../config/index.js';
import { createLogger } from '../shared/log.js';
import { Launcher } from './launcher.js';

const program = new Command('workty')
  .description('Start the whole Workty platform on this machine: REST API, supervisor and a local worker')
  .option('-c, --config <file>', 'JSON file of settings (environment variables take precedence)')
  .parse();
const { config: configFile } = program.opts<{ config?: string }>();

let config;
try {
  config = loadConfig(launcherSettings, { file: configFile });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

const logger = createLogger({ role: 'launcher', level: config.logLevel });
const launcher = new Launcher(config, configFile, logger);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping');
    launcher.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.fatal({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  });
}

launcher.start().catch(async (error: unknown) => {
  logger.fatal({ err: error }, 'start failed');
  await launcher.close();
  process.exit(1);
});
