/**
 * The worker's end of the SDK channel (shared/protocol/task.ts): validates what a Node task sends
 * over its IPC channel and turns it into `progress` and `checkpoint` reports. A task is untrusted
 * code: malformed messages are ignored, oversized checkpoints refused, and the number of reports one
 * attempt may make this way is bounded.
 */
import type { ChildProcess } from 'node:child_process';
import type { Checkpoint } from '../../shared/domain/model.js';
import type { Logger } from '../../shared/log.js';
import { MAX_STATE_NAME_LENGTH, TASK_CHANNEL_VERSION, type WorkerToTaskMessage } from '../../shared/protocol/task.js';
import type { OutputCollector } from './output.js';

/** Most progress and checkpoint reports one attempt may make; later ones are ignored (and the log says so). */
export const MAX_SDK_REPORTS = 10_000;

interface Hooks {
  progress(state: string): void;
  checkpoint(checkpoint: Checkpoint): Promise<void>;
}

export class SdkChannel {
  private reports = 0;
  private warned = false;

  constructor(
    private readonly child: ChildProcess,
    private readonly hooks: Hooks,
    private readonly output: OutputCollector,
    private readonly maxCheckpointBytes: number,
    private readonly logger: Logger,
  ) {}

  listen(): void {
    this.child.on('message', (message: unknown) => this.receive(message));
  }

  private receive(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const m = message as Record<string, unknown>;
    if (m.workty !== TASK_CHANNEL_VERSION) return;
    if (m.type === 'progress' && isStateName(m.state)) {
      if (this.allow()) this.hooks.progress(m.state);
    } else if (m.type === 'checkpoint' && typeof m.id === 'number') {
      void this.checkpoint(m.id, m.checkpoint);
    }
  }

  private async checkpoint(id: number, value: unknown): Promise<void> {
    const refusal = this.refusal(value);
    if (refusal !== null) {
      this.output.note(`checkpoint refused: ${refusal}`);
      this.answer({ workty: TASK_CHANNEL_VERSION, type: 'checkpoint:ack', id, ok: false, error: refusal });
      return;
    }
    if (!this.allow()) {
      this.answer({ workty: TASK_CHANNEL_VERSION, type: 'checkpoint:ack', id, ok: false, error: 'too many state reports in this attempt' });
      return;
    }
    try {
      const { state, data } = value as Checkpoint;
      await this.hooks.checkpoint({ state, data: data ?? null });
      this.answer({ workty: TASK_CHANNEL_VERSION, type: 'checkpoint:ack', id, ok: true, error: null });
    } catch (error) {
      this.answer({ workty: TASK_CHANNEL_VERSION, type: 'checkpoint:ack', id, ok: false, error: (error as Error).message });
    }
  }

  private refusal(value: unknown): string | null {
    if (typeof value !== 'object' || value === null) return 'a checkpoint is {state, data}';
    const { state, data } = value as { state?: unknown; data?: unknown };
    if (!isStateName(state)) return `the state must be a name of 1 to ${MAX_STATE_NAME_LENGTH} characters`;
    const bytes = Buffer.byteLength(JSON.stringify({ state, data: data ?? null }));
    if (bytes > this.maxCheckpointBytes) return `it is ${bytes} bytes as JSON, over the limit of ${this.maxCheckpointBytes}`;
    return null;
  }

  private allow(): boolean {
    this.reports += 1;
    if (this.reports <= MAX_SDK_REPORTS) return true;
    if (!this.warned) {
      this.warned = true;
      this.output.note(`more than ${MAX_SDK_REPORTS} state reports in this attempt; later ones are ignored`);
    }
    return false;
  }

  private answer(message: WorkerToTaskMessage): void {
    if (!this.child.connected) return;
    this.child.send(message, (error) => {
      if (error) this.logger.debug({ err: error }, 'task left before its checkpoint was acknowledged');
    });
  }
}

function isStateName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_STATE_NAME_LENGTH;
}
