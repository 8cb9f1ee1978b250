/**
 * The environment of a task: a short allow-list of the worker's own variables (never its WORKTY_*
 * settings, which hold the device secret) plus the task contract's variables (docs/tasks.md).
 */
import type { AttemptKey } from '../../shared/protocol/worker.js';
import type { Checkpoint, PropertyValue } from '../../shared/domain/model.js';
import { SDK_ENV } from '../../shared/protocol/task.js';

/** Variables of the worker passed on to every task. */
export const PASSED_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'TZ', 'TERM'] as const;

export interface TaskEnvInput {
  key: AttemptKey;
  properties: Record<string, PropertyValue>;
  resultFile: string;
  tmpDir: string;
  checkpoint: Checkpoint | null;
  /** Path of the SDK module (always set; tasks that do not use it ignore it). */
  sdkPath: string;
  /** The worker's environment. */
  baseEnv: NodeJS.ProcessEnv;
  /** Extra names allowed by configuration (WORKTY_TASK_ENV). */
  extraNames: readonly string[];
}

export function taskEnv(input: TaskEnvInput): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const allowed = new Set<string>([...PASSED_ENV, ...input.extraNames]);
  for (const [name, value] of Object.entries(input.baseEnv)) {
    if (value === undefined || name.startsWith('WORKTY_')) continue;
    if (allowed.has(name) || name.startsWith('LC_')) env[name] = value;
  }
  env.TMPDIR = input.tmpDir;
  env.WORKTY_PROPERTIES = JSON.stringify(input.properties);
  env.WORKTY_RUN_ID = input.key.runId;
  env.WORKTY_INSTANCE_ID = input.key.instanceId;
  env.WORKTY_ATTEMPT = String(input.key.attempt);
  env.WORKTY_RESULT_FILE = input.resultFile;
  env[SDK_ENV] = input.sdkPath;
  if (input.checkpoint !== null) env.WORKTY_CHECKPOINT = JSON.stringify(input.checkpoint);
  return env;
}
