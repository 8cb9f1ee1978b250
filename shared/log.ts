/**
 * One structured logger per process (pino): JSON lines with `role`, and per-run / per-device fields
 * through child loggers; human-readable when stdout is a terminal. Secrets are redacted by key
 * wherever they appear, as a second line of defence (the first is never logging them).
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const REDACTED_KEYS = [
  'password', 'passwordHash', 'secret', 'deviceSecret', 'secretHash', 'token', 'tokenHash', 'authorization',
  'adminPassword', 'mongodbUrl',
];

export interface LoggerOptions {
  role: string;
  level: LevelWithSilent;
  /** Force pretty (true) or JSON (false) output; default: pretty on a terminal. */
  pretty?: boolean;
  /** Write here instead of stdout (tests capture logs to assert that no secret leaks). */
  destination?: NodeJS.WritableStream;
  /** Fields on every line besides `role` and `pid` (the worker's `deviceId`). */
  fields?: Record<string, string | number>;
}

export function createLogger(options: LoggerOptions): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k}`]);
  const base = {
    level: options.level,
    base: { role: options.role, pid: process.pid, ...options.fields },
    redact: { paths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination as pino.DestinationStream);
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino(base, pino.destination({ dest: 1, sync: false }));
}
