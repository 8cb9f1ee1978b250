/** Loggers for tests: silent, or capturing every line so a test can assert what was (not) logged. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../shared/log.js';

export function silentLogger(): Logger {
  return createLogger({ role: 'test', level: 'silent', pretty: false });
}

export interface CapturedLogger {
  logger: Logger;
  /** Everything logged so far, one JSON line per entry. */
  text(): string;
}

export function capturingLogger(role = 'test', level: 'debug' | 'info' | 'trace' = 'debug'): CapturedLogger {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ role, level, destination: sink }), text: () => lines.join('') };
}
