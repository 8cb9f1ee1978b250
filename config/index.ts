/** The configuration of every role: one spec per process (see schema.ts for the rules). */
export { ConfigError, fileVariable, settingsTable, variablesOf } from './schema.js';
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

import { launcherSettings as launcherSpec } from './launcher.js';
import { restapiSettings as restapiSpec } from './restapi.js';
import { loadConfig as loadSpec, type ConfigSources, type SettingsSpec } from './schema.js';
import { supervisorSettings as supervisorSpec } from './supervisor.js';
import { workerSettings as workerSpec } from './worker.js';

const ALL_ROLES: readonly SettingsSpec[] = [launcherSpec, restapiSpec, supervisorSpec, workerSpec];

/**
 * Loads one role's settings (see schema.ts). A config file may also hold other roles' settings: one
 * file can serve every role; a key no role knows is still an error.
 */
export function loadConfig<S extends SettingsSpec>(spec: S, sources: ConfigSources = {}): ConfigOf<S> {
  return loadSpec(spec, { otherRoles: ALL_ROLES, ...sources });
}
