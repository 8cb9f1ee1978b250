/**
 * Configuration machinery: every setting has an environment variable, a type, a default (or none),
 * a sentence saying what is allowed, and a doc line. Values come from, in increasing precedence, the
 * defaults below, a JSON file given with `--config FILE`, and the environment. The whole set is
 * validated at start; an invalid value stops the process with the key's name and what is allowed,
 * before anything is created.
 *
 * Human-friendly input ("30s", "5m") is normalised to milliseconds here, once.
 *
 * A secret may instead be read from a file named by `<VARIABLE>_FILE` (the convention of docker and
 * compose secrets, mounted under /run/secrets), so that it needs to be in no environment and no image.
 */
import { readFileSync } from 'node:fs';
import ms from 'ms';
import { z } from 'zod';

export interface Setting<T> {
  /** Environment variable, e.g. `WORKTY_REST_PORT`. */
  readonly env: string;
  /** The raw default as a user would write it; undefined = unset. */
  readonly default: string | undefined;
  /** What is allowed, in words (errors and docs). */
  readonly allowed: string;
  readonly doc: string;
  /** Never printed (docs show no default, errors do not echo the value). */
  readonly secret: boolean;
  readonly schema: z.ZodType<T>;
}

type Raw = string | number | boolean;

function setting<T>(schema: z.ZodType<T>, env: string, def: string | undefined, allowed: string, doc: string, secret = false): Setting<T> {
  return { env, default: def, allowed, doc, secret, schema };
}

const integer = (min: number, max: number) =>
  z.union([z.number(), z.string().regex(/^-?\d+$/).transform(Number)]).pipe(z.number().int().min(min).max(max));

export const settings = {
  port: (env: string, def: number, doc: string) => setting(integer(1, 65535), env, String(def), 'an integer from 1 to 65535', doc),
  integer: (env: string, def: number | undefined, min: number, max: number, doc: string) =>
    setting(integer(min, max), env, def === undefined ? undefined : String(def), `an integer from ${min} to ${max}`, doc),
  optionalInteger: (env: string, min: number, max: number, doc: string) =>
    setting(integer(min, max).optional(), env, undefined, `unset, or an integer from ${min} to ${max}`, doc),
  text: (env: string, def: string, doc: string) => setting(z.string().min(1), env, def, 'a non-empty string', doc),
  optionalText: (env: string, doc: string, secret = false) =>
    setting(z.string().min(1).optional(), env, undefined, 'unset, or a non-empty string', doc, secret),
  /** A secret with a minimum length; never echoed. */
  secret: (env: string, minLength: number, doc: string) =>
    setting(z.string().min(minLength).optional(), env, undefined, `unset, or at least ${minLength} characters`, doc, true),
  oneOf: <const V extends readonly [string, ...string[]]>(env: string, values: V, def: V[number], doc: string) =>
    setting(z.enum(values), env, def, `one of ${values.join(', ')}`, doc),
  flag: (env: string, def: boolean, doc: string) =>
    setting(
      z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]),
      env, String(def), 'true or false', doc,
    ),
  /** A duration such as `30s`, `5m`, `250ms` or a number of milliseconds; read as milliseconds. */
  duration: (env: string, def: string, minMs: number, maxMs: number, doc: string) =>
    setting(
      z.union([z.number(), z.string()]).transform((v, ctx) => {
        const parsed = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : ms(v as ms.StringValue);
        if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < minMs || parsed > maxMs) {
          ctx.addIssue({ code: 'custom', message: 'out of range' });
          return z.NEVER;
        }
        return Math.round(parsed);
      }),
      env, def, `a duration from ${ms(minMs, { long: true })} to ${ms(maxMs, { long: true })}, e.g. 30s, 5m, 1500ms`, doc,
    ),
  /** A URL whose scheme is one of `schemes`; optional when there is no default. */
  url: (env: string, def: string | undefined, schemes: readonly string[], doc: string, secret = false) => {
    const url = z.string().refine((v) => isUrlWithScheme(v, schemes), { message: 'bad URL' });
    return setting<string | undefined>(def === undefined ? url.optional() : url, env, def,
      `${def === undefined ? 'unset, or ' : ''}a ${schemes.join(' or ')} URL`, doc, secret);
  },
  requiredUrl: (env: string, def: string, schemes: readonly string[], doc: string) =>
    setting<string>(z.string().refine((v) => isUrlWithScheme(v, schemes), { message: 'bad URL' }), env, def,
      `a ${schemes.join(' or ')} URL`, doc),
  /** A list written as comma-separated text. */
  list: (env: string, def: string, doc: string) =>
    setting(
      z.union([z.array(z.string()), z.string()]).transform((v) =>
        (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0)),
      env, def, 'comma-separated names', doc,
    ),
};

function isUrlWithScheme(value: string, schemes: readonly string[]): boolean {
  try {
    return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
  } catch {
    return false;
  }
}

export type SettingsSpec = Record<string, Setting<unknown>>;

/** The variable naming a file that holds a secret setting's value (`WORKTY_ADMIN_PASSWORD_FILE`). */
export function fileVariable(setting: Setting<unknown>): string {
  return `${setting.env}_FILE`;
}

/** Every environment variable a spec reads: each setting's, and the `_FILE` variant of each secret. */
export function variablesOf(spec: SettingsSpec): string[] {
  return Object.values(spec).flatMap((s) => (s.secret ? [s.env, fileVariable(s)] : [s.env]));
}
export type ConfigOf<S extends SettingsSpec> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** Thrown with one line per wrong key; roles print it and exit non-zero. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON file whose keys are the settings' names (camelCase) or their variables. */
  file?: string | undefined;
  /**
   * Specs of the other roles: one file may configure every role (the launcher hands its file to each,
   * a compose file mounts one), so a key another role knows is not an error here, only ignored.
   */
  otherRoles?: readonly SettingsSpec[];
}

/** Reads and validates a whole spec; throws ConfigError listing every invalid key. */
export function loadConfig<S extends SettingsSpec>(spec: S, sources: ConfigSources = {}): ConfigOf<S> {
  const env = sources.env ?? process.env;
  const problems: string[] = [];
  const fromFile = sources.file === undefined ? {} : readConfigFile(sources.file, spec, sources.otherRoles ?? [], problems);
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(spec)) {
    const envValue = s.secret ? secretFromEnv(s, env, problems) : env[s.env];
    if (envValue === null) continue;
    const raw: Raw | undefined = envValue !== undefined && envValue !== '' ? envValue : fromFile[name] ?? s.default;
    const parsed = s.schema.safeParse(raw);
    if (parsed.success) {
      out[name] = parsed.data;
    } else {
      const shown = raw === undefined ? 'unset' : s.secret ? '(hidden)' : JSON.stringify(raw);
      problems.push(`${s.env} = ${shown}: expected ${s.allowed}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

/**
 * A secret's value from its variable or from the file its `_FILE` variable names; null (with the
 * problem noted) when both are set or the file cannot be read. The file's one trailing newline (as
 * `echo` writes it) is not part of the value.
 */
function secretFromEnv(setting: Setting<unknown>, env: NodeJS.ProcessEnv, problems: string[]): string | undefined | null {
  const fileVar = fileVariable(setting);
  const path = env[fileVar];
  if (path === undefined || path === '') return env[setting.env];
  if (env[setting.env] !== undefined && env[setting.env] !== '') {
    problems.push(`${setting.env} and ${fileVar} are both set: set one of them`);
    return null;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    problems.push(`${fileVar} = ${JSON.stringify(path)}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return null;
  }
  if (text === '') {
    problems.push(`${fileVar} = ${JSON.stringify(path)}: the file is empty`);
    return null;
  }
  return text;
}

function readConfigFile(path: string, spec: SettingsSpec, otherRoles: readonly SettingsSpec[], problems: string[]): Record<string, Raw> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`--config ${path}: ${(error as Error).message}`);
    return {};
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    problems.push(`--config ${path}: expected a JSON object of settings`);
    return {};
  }
  const byEnv = new Map(Object.entries(spec).map(([name, s]) => [s.env, name]));
  const elsewhere = new Set(otherRoles.flatMap((other) => Object.entries(other).flatMap(([name, s]) => [name, s.env])));
  const values: Record<string, Raw> = {};
  for (const [key, value] of Object.entries(data)) {
    const name = key in spec ? key : byEnv.get(key);
    if (name === undefined) {
      if (!elsewhere.has(key)) problems.push(`--config ${path}: unknown setting "${key}"`);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      values[name] = value;
    } else {
      problems.push(`--config ${path}: "${key}" must be a string, number or boolean`);
    }
  }
  return values;
}

/** The Markdown table of a spec (README and docs/configuration.md are checked against it). */
export function settingsTable(spec: SettingsSpec): string {
  const rows = Object.values(spec).map((s) => {
    const def = s.default === undefined ? '(unset)' : `\`${s.default}\``;
    const allowed = s.secret ? `${s.allowed}; or a file holding it, named by \`${fileVariable(s)}\`` : s.allowed;
    return `| \`${s.env}\` | ${def} | ${allowed} | ${s.doc} |`;
  });
  return ['| Variable | Default | Allowed | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}
