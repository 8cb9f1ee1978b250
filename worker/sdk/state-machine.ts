/**
 * Runs a workty written as a machina state machine (docs/tasks.md "The SDK"). The task declares its
 * states as a machina FSM definition; the SDK
 * - reports every state the machine enters to the worker (a `progress` report, shown live);
 * - saves checkpoints `{state, data}` on the worker's disk (`checkpoint()` resolves once durable);
 * - on a re-dispatched attempt, starts from the last checkpoint's state with its data;
 * - turns a thrown error or a rejected promise in any handler into a failed attempt;
 * - writes the result of `complete(result)` to WORKTY_RESULT_FILE and sets the exit code.
 *
 * Outside a worker (no IPC channel) it runs the same way and prints the states on stderr, so a task
 * can be tried with `node index.mjs '{"a":1}'`.
 */
import { writeFileSync } from 'node:fs';
import machina, { type Fsm, type FsmOptions, type StateDefinition } from 'machina';
import type { Checkpoint, PropertyValue } from '../../shared/domain/model.js';
import { TASK_CHANNEL_VERSION, type TaskMessage, type WorkerToTaskMessage } from '../../shared/protocol/task.js';

/** What the SDK adds to the machine: handlers reach it as `this`. */
export interface TaskMachine<Data> extends Fsm {
  /** The task's properties (from the command line, or WORKTY_PROPERTIES). */
  readonly properties: Record<string, PropertyValue>;
  /** The task's working data: saved with each checkpoint, restored on resume. */
  data: Data;
  /** The state this attempt resumed from, or null on a fresh start. */
  readonly resumedFrom: string | null;
  /** The attempt number (1 for the first). */
  readonly attempt: number;
  /**
   * Saves `{state, data}` (default: the current state and `this.data`); a re-dispatched attempt starts
   * in `state` with `data`. Resolves once the worker has it on disk.
   */
  checkpoint(state?: string, data?: Data): Promise<void>;
  /** Ends the task successfully; `result` (JSON) becomes the attempt's result. */
  complete(result?: unknown): void;
  /** Ends the task as failed. */
  fail(error: unknown): void;
}

/** A task's state machine: a machina FSM definition plus the starting data. */
export interface TaskDefinition<Data> {
  /** Names the machine in messages. @default 'workty' */
  namespace?: string;
  /** Where a fresh attempt starts. */
  initialState: string;
  /** The machine's states: machina handlers (`_onEnter`, inputs), which may be async. */
  states: Record<string, StateDefinition<TaskMachine<Data>>>;
  /** Working data of a fresh start (a resumed attempt gets the checkpoint's instead). */
  data?: Data;
  /** Other members (helpers) become members of the machine, as in machina. */
  [member: string]: unknown;
}

/** Internal state the machine sits in before it starts (never reported). */
const BOOT_STATE = 'workty:boot';

interface Channel {
  send(message: TaskMessage): Promise<void>;
  request(message: Extract<TaskMessage, { type: 'checkpoint' }>): Promise<WorkerToTaskMessage>;
  close(): void;
}

/**
 * Runs the machine until a handler calls `complete()` or `fail()`. Resolves with the result, or
 * rejects with the failure (the process exit code is set either way).
 */
export function runStateMachine<Data = Record<string, unknown>>(definition: TaskDefinition<Data>): Promise<unknown> {
  const channel = openChannel();
  const env = process.env;
  const properties = parseProperties();
  const saved = parseCheckpoint(env.WORKTY_CHECKPOINT);
  const { states, initialState, data, namespace, ...members } = definition;
  const resumeState = saved !== null && Object.hasOwn(states, saved.state) ? saved.state : null;
  if (saved !== null && resumeState === null) {
    process.stderr.write(`[sdk] the checkpoint's state "${saved.state}" is not a state of this task; starting afresh\n`);
  }

  return new Promise<unknown>((resolve, reject) => {
    let ended = false;
    const end = (error: unknown, result?: unknown) => {
      if (ended) return;
      ended = true;
      process.off('beforeExit', onBeforeExit);
      if (error === null) {
        try {
          if (result !== undefined && env.WORKTY_RESULT_FILE) writeFileSync(env.WORKTY_RESULT_FILE, JSON.stringify(result));
        } catch (writeError) {
          error = writeError;
        }
      }
      process.exitCode = error === null ? 0 : 1;
      channel.close();
      if (error === null) resolve(result);
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const onBeforeExit = () => {
      end(new Error(`the state machine stopped in state "${fsm.state}" with nothing left to do, and no handler called complete() or fail()`));
    };
    process.on('beforeExit', onBeforeExit);

    const sdk = {
      properties,
      data: resumeState !== null ? (saved!.data as Data) : structuredClone(data ?? ({} as Data)),
      resumedFrom: resumeState,
      attempt: Number(env.WORKTY_ATTEMPT ?? 1),
      checkpoint(this: TaskMachine<Data>, state?: string, newData?: Data): Promise<void> {
        const checkpointState = state ?? this.state;
        if (newData !== undefined) this.data = newData;
        return saveCheckpoint(channel, { state: checkpointState, data: this.data });
      },
      complete(result?: unknown) {
        end(null, result);
      },
      fail(error: unknown) {
        end(error ?? new Error('failed'));
      },
    };
    const options = {
      ...members,
      ...sdk,
      namespace: namespace ?? 'workty',
      initialState: BOOT_STATE,
      states: { [BOOT_STATE]: {}, ...guardStates(states, (error) => end(error)) },
    } as unknown as FsmOptions<Fsm>;
    const fsm = new machina.Fsm(options) as TaskMachine<Data>;
    fsm.on('transition', (event) => {
      if (event.toState === BOOT_STATE || ended) return;
      void channel.send({ workty: TASK_CHANNEL_VERSION, type: 'progress', state: event.toState });
    });
    fsm.on('invalidstate', (event) => end(new Error(`no state "${event.attemptedState}" (from "${event.state}")`)));
    try {
      fsm.transition(resumeState ?? initialState);
    } catch (error) {
      end(error);
    }
  });
}

/** Wraps every handler so that a throw or a rejected promise fails the task. */
function guardStates<Self>(states: Record<string, StateDefinition<Self>>, fail: (error: unknown) => void): Record<string, StateDefinition<Self>> {
  const guarded: Record<string, StateDefinition<Self>> = {};
  for (const [name, state] of Object.entries(states)) {
    const copy: StateDefinition<Self> = {};
    for (const [input, handler] of Object.entries(state)) {
      copy[input] = typeof handler !== 'function' ? handler : function guardedHandler(this: Self, ...args: unknown[]) {
        try {
          const value = (handler as (...a: unknown[]) => unknown).apply(this, args);
          if (value instanceof Promise) value.catch(fail);
          return value;
        } catch (error) {
          fail(error);
          return undefined;
        }
      };
    }
    guarded[name] = copy;
  }
  return guarded;
}

async function saveCheckpoint(channel: Channel, checkpoint: Checkpoint): Promise<void> {
  const answer = await channel.request({ workty: TASK_CHANNEL_VERSION, type: 'checkpoint', id: 0, checkpoint });
  if (!answer.ok) throw new Error(`checkpoint refused by the worker: ${answer.error ?? 'no reason given'}`);
}

function parseProperties(): Record<string, PropertyValue> {
  const text = process.argv[2] ?? process.env.WORKTY_PROPERTIES ?? '{}';
  const value = JSON.parse(text) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the properties must be a JSON object');
  return value as Record<string, PropertyValue>;
}

function parseCheckpoint(text: string | undefined): Checkpoint | null {
  if (text === undefined || text === '') return null;
  const value = JSON.parse(text) as Partial<Checkpoint>;
  return typeof value.state === 'string' ? { state: value.state, data: value.data ?? null } : null;
}

/** The IPC channel to the worker, or a console stand-in when the task runs alone. */
function openChannel(): Channel {
  if (typeof process.send !== 'function') {
    return {
      send: async (message) => {
        if (message.type === 'progress') process.stderr.write(`[sdk] state: ${message.state}\n`);
      },
      request: async (message) => {
        process.stderr.write(`[sdk] checkpoint at "${message.checkpoint.state}" (not saved: no worker)\n`);
        return { workty: TASK_CHANNEL_VERSION, type: 'checkpoint:ack', id: message.id, ok: true, error: null };
      },
      close: () => undefined,
    };
  }
  let nextId = 1;
  let inFlight = 0;
  let closing = false;
  const waiting = new Map<number, (answer: WorkerToTaskMessage) => void>();
  const onMessage = (message: unknown) => {
    const m = message as Partial<WorkerToTaskMessage> | null;
    if (m?.workty !== TASK_CHANNEL_VERSION || m.type !== 'checkpoint:ack' || typeof m.id !== 'number') return;
    waiting.get(m.id)?.(m as WorkerToTaskMessage);
    waiting.delete(m.id);
    // Listening keeps the process alive: only while an answer is awaited.
    if (waiting.size === 0) process.off('message', onMessage);
  };
  const disconnectWhenIdle = () => {
    if (closing && inFlight === 0 && waiting.size === 0 && process.connected) process.disconnect();
  };
  const send = (message: TaskMessage) => new Promise<void>((resolve, reject) => {
    if (!process.connected) {
      reject(new Error('the worker channel is closed'));
      return;
    }
    inFlight += 1;
    process.send!(message, undefined, {}, (error) => {
      inFlight -= 1;
      disconnectWhenIdle();
      if (error) reject(error);
      else resolve();
    });
  });
  return {
    send: (message) => send(message).catch(() => undefined),
    request: (message) => new Promise<WorkerToTaskMessage>((resolve, reject) => {
      const id = nextId++;
      if (waiting.size === 0) process.on('message', onMessage);
      waiting.set(id, resolve);
      send({ ...message, id }).catch((error: unknown) => {
        waiting.delete(id);
        if (waiting.size === 0) process.off('message', onMessage);
        reject(error as Error);
      });
    }),
    close: () => {
      closing = true;
      disconnectWhenIdle();
    },
  };
}
