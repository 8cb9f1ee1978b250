/**
 * The channel between the worker and a Node task written with the SDK (`worker/sdk/`): the task is
 * started with an IPC channel (node's `fork`-style `ipc` stdio) and sends these messages with
 * `process.send`. Documented in docs/tasks.md ("The SDK").
 *
 * Every message carries `workty: TASK_CHANNEL_VERSION`, so that a task's own unrelated IPC use, or a
 * task built for another version of the channel, is told apart and ignored.
 */
import type { Checkpoint } from '../domain/model.js';

export const TASK_CHANNEL_VERSION = 1;

/** Environment variable naming the SDK module a task imports: `await import(process.env.WORKTY_SDK)`. */
export const SDK_ENV = 'WORKTY_SDK';

/** Longest state name the worker reports. */
export const MAX_STATE_NAME_LENGTH = 200;

/** Task → worker. */
export type TaskMessage =
  /** The task's state machine entered `state`. */
  | { workty: typeof TASK_CHANNEL_VERSION; type: 'progress'; state: string }
  /** Save a checkpoint; answered with `checkpoint:ack` carrying the same `id` once it is on disk. */
  | { workty: typeof TASK_CHANNEL_VERSION; type: 'checkpoint'; id: number; checkpoint: Checkpoint };

/** Worker → task. */
export type WorkerToTaskMessage = {
  workty: typeof TASK_CHANNEL_VERSION;
  type: 'checkpoint:ack';
  id: number;
  /** False when the checkpoint was refused (too large, malformed); `error` says why. */
  ok: boolean;
  error: string | null;
};
