/** Running tasks through the executor from tests: files written into a fresh folder, events recorded. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Checkpoint } from '../../../shared/domain/model.js';
import { SDK_PATH } from '../../../worker/app.js';
import { TaskProcess, type ExecutorOptions, type TaskOutcome, type TaskSpec } from '../../../worker/executor/executor.js';
import type { RuntimeCommand } from '../../../worker/facts/runtimes.js';
import { silentLogger } from '../logger.js';

export interface TaskEvents {
  pid: number | null;
  stdout: string;
  stderr: string;
  progress: string[];
  checkpoints: Checkpoint[];
}

export interface TaskRun {
  task: TaskProcess;
  events: TaskEvents;
  done: Promise<TaskOutcome>;
  /** The attempt's folder (cwd is `<dir>/run`). */
  dir: string;
}

export const TEST_EXECUTOR: ExecutorOptions = {
  killGraceMs: 300,
  maxResultBytes: 64 * 1024,
  maxCheckpointBytes: 16 * 1024,
  outputFlushMs: 10,
  sdkPath: SDK_PATH,
  baseEnv: { PATH: process.env.PATH, HOME: process.env.HOME },
  extraEnvNames: [],
};

export interface StartTaskInput {
  /** Parent folder of the attempt's folder. */
  root: string;
  /** Files of the package: relative path → content. */
  files: Record<string, string>;
  runtime: RuntimeCommand | null;
  entryPoint: string;
  spec?: Partial<TaskSpec>;
  executor?: Partial<ExecutorOptions>;
  /** Answer checkpoints after this promise (default: at once). */
  checkpointDelay?: () => Promise<void>;
}

export function startTask(input: StartTaskInput): TaskRun {
  const dir = join(input.root, `attempt-${randomBytes(4).toString('hex')}`);
  const cwd = join(dir, 'run');
  const tmpDir = join(dir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  for (const [name, content] of Object.entries(input.files)) {
    mkdirSync(dirname(join(cwd, name)), { recursive: true });
    writeFileSync(join(cwd, name), content, { mode: 0o755 });
  }
  const events: TaskEvents = { pid: null, stdout: '', stderr: '', progress: [], checkpoints: [] };
  const spec: TaskSpec = {
    key: { runId: randomBytes(12).toString('hex'), instanceId: randomBytes(12).toString('hex'), attempt: 1, leaseToken: 'lease' },
    runtime: input.runtime,
    runtimeName: input.runtime?.name ?? 'cobol',
    entryPoint: input.entryPoint,
    cwd,
    resultFile: join(dir, 'result.json'),
    tmpDir,
    properties: {},
    timeoutMs: 20_000,
    maxLogBytes: 1024 * 1024,
    checkpoint: null,
    ...input.spec,
  };
  const task = new TaskProcess(spec, {
    started: (pid) => {
      events.pid = pid;
    },
    output: (stream, text) => {
      events[stream] += text;
    },
    progress: (state) => events.progress.push(state),
    checkpoint: async (checkpoint) => {
      await input.checkpointDelay?.();
      events.checkpoints.push(checkpoint);
    },
  }, { ...TEST_EXECUTOR, ...input.executor }, silentLogger());
  return { task, events, done: task.done, dir };
}
