/**
 * A task's stdout and stderr, turned into log reports: chunks are decoded as UTF-8 (a character split
 * across chunks is kept whole), gathered for a short while so that a chatty task makes few reports,
 * and bounded per attempt: past `maxBytes` the output is dropped and the log says so.
 */
import { StringDecoder } from 'node:string_decoder';

export type OutputStream = 'stdout' | 'stderr';

export interface OutputOptions {
  /** Output bytes kept per attempt (both streams together). */
  maxBytes: number;
  /** Gathered text is reported after this long at most. */
  flushMs: number;
  /** Gathered text is reported at once past this many characters. @default 16384 */
  chunkChars?: number;
}

/** Prefix of the lines the worker itself adds to a task's log. */
export const WORKER_NOTE = '[worker]';

interface StreamState {
  decoder: StringDecoder;
  text: string;
}

export class OutputCollector {
  private keptBytes = 0;
  private droppedBytes = 0;
  private truncated = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly streams: Record<OutputStream, StreamState> = {
    stdout: { decoder: new StringDecoder('utf8'), text: '' },
    stderr: { decoder: new StringDecoder('utf8'), text: '' },
  };
  private readonly chunkChars: number;

  constructor(private readonly options: OutputOptions, private readonly report: (stream: OutputStream, text: string) => void) {
    this.chunkChars = options.chunkChars ?? 16_384;
  }

  write(stream: OutputStream, chunk: Buffer): void {
    const room = this.options.maxBytes - this.keptBytes;
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, Math.max(0, room));
    if (kept.length > 0) {
      this.keptBytes += kept.length;
      this.gather(stream, this.streams[stream].decoder.write(kept));
    }
    if (kept.length < chunk.length) {
      this.droppedBytes += chunk.length - kept.length;
      if (!this.truncated) {
        this.truncated = true;
        this.note(`output truncated: the limit of ${this.options.maxBytes} bytes per attempt was reached; the rest is dropped`);
      }
    }
  }

  /** Adds a line of the worker's own to the log (stderr), after what was gathered so far. */
  note(text: string): void {
    this.flush();
    this.report('stderr', `${WORKER_NOTE} ${text}\n`);
  }

  /** Reports what is gathered. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const stream of ['stdout', 'stderr'] as const) {
      const state = this.streams[stream];
      if (state.text.length > 0) {
        const text = state.text;
        state.text = '';
        this.report(stream, text);
      }
    }
  }

  /** The task is over: reports the rest, and how much was dropped. */
  end(): { keptBytes: number; droppedBytes: number } {
    for (const stream of ['stdout', 'stderr'] as const) this.gather(stream, this.streams[stream].decoder.end());
    this.flush();
    if (this.droppedBytes > 0) this.note(`${this.droppedBytes} more bytes of output were dropped`);
    return { keptBytes: this.keptBytes, droppedBytes: this.droppedBytes };
  }

  private gather(stream: OutputStream, text: string): void {
    if (text.length === 0) return;
    this.streams[stream].text += text;
    if (this.streams[stream].text.length >= this.chunkChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.flushMs);
  }
}
