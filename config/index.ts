/** The configuration of every role: one spec per process (see schema.ts for the rules). */
export { ConfigError, loadConfig, settingsTable } from './schema.js';
export type { ConfigOf, ConfigSources, Setting, SettingsSpec } from './schema.js';
export { LOG_LEVELS, serverSettings } from './common.js';
export { restapiSettings } from './restapi.js';
export { supervisorSettings } from './supervisor.js';
export { workerSettings } from './worker.js';
export { launcherSettings } from './launcher.js';

import type { ConfigOf } from './schema.js';
import type { serverSettings } from './common.js';
import type { restapiSettings } from './restapi.js';
import type { supervisorSettings } from './supervisor.js';
import type { workerSettings } from './worker.js';
import type { launcherSettings } from './launcher.js';

export type ServerConfig = ConfigOf<typeof serverSettings>;
export type RestapiConfig = ConfigOf<typeof restapiSettings>;
export type SupervisorConfig = ConfigOf<typeof supervisorSettings>;
export type WorkerConfig = ConfigOf<typeof workerSettings>;
export type LauncherConfig = ConfigOf<typeof launcherSettings>;
