/**
 * The Workty SDK for Node tasks (docs/tasks.md "The SDK"). A task loads it from the path the worker
 * gives in WORKTY_SDK:
 *
 *   const { runStateMachine } = await import(process.env.WORKTY_SDK);
 *
 * Only this module is the SDK's public surface.
 */
export { runStateMachine } from './state-machine.js';
export type { TaskDefinition, TaskMachine } from './state-machine.js';
export { default as machina } from 'machina';
