/**
 * The compose file, read with the `yaml` package, and compose's variable interpolation (`${NAME}`,
 * `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`, `$$`) from the values of an env file,
 * as `docker compose` applies it before anything else.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  ports?: string[];
  volumes?: string[];
  tmpfs?: string[];
  networks?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  restart?: string;
}

export interface ComposeFile {
  name: string;
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
  networks: Record<string, { internal?: boolean } | null>;
}

/** `NAME=value` lines; comments and blank lines skipped (compose's .env format, unquoted values). */
export function readEnvFile(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match !== null) values[match[1]!] = match[2]!.trim();
  }
  return values;
}

/** Applies compose interpolation to every string of the document. */
export function interpolate<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{(\w+)(?:(:?)([-?])([^}]*))?\}/g, (whole, name: string | undefined, colon: string, op: string, arg: string) => {
      if (whole === '$$') return '$';
      const set = vars[name!];
      const missing = set === undefined || (colon === ':' && set === '');
      if (op === '-') return missing ? arg : set!;
      if (op === '?') {
        if (missing) throw new Error(`compose: ${name} is required: ${arg}`);
        return set!;
      }
      return set ?? '';
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => interpolate(v, vars)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars)])) as T;
  }
  return value;
}

export function readCompose(path: string, vars: Record<string, string>): ComposeFile {
  return interpolate(parse(readFileSync(path, 'utf8')) as ComposeFile, vars);
}

/** Compose durations (`40s`, `1m30s`) in milliseconds. */
export function composeDurationMs(text: string): number {
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  }
  return total;
}
