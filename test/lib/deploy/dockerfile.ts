/**
 * A reader of our Dockerfiles, enough to check them and to start a role the way its image does:
 * instructions with their line continuations joined, comments dropped, build stages, and the exec
 * form (JSON arrays) of CMD, ENTRYPOINT and HEALTHCHECK. Not a general Dockerfile parser: heredocs
 * and parser directives other than `# syntax` are not used in this repository.
 */
import { readFileSync } from 'node:fs';

export interface Instruction {
  /** Upper case, e.g. `COPY`. */
  keyword: string;
  /** The rest of the instruction, continuations joined. */
  args: string;
  line: number;
}

export interface Stage {
  /** The image it starts from, ARG defaults substituted. */
  from: string;
  /** `--platform=...` of its FROM, if any. */
  platform: string | null;
  name: string | null;
  instructions: Instruction[];
}

export interface Dockerfile {
  path: string;
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function readDockerfile(path: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  readFileSync(path, 'utf8').split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (pending !== '' && line.trim().startsWith('#')) return;
    if (pending === '') startLine = index + 1;
    const continued = line.endsWith('\\');
    pending += `${continued ? line.slice(0, -1) : line} `;
    if (continued) return;
    const text = pending.trim().replace(/\s+/g, ' ');
    pending = '';
    const space = text.indexOf(' ');
    instructions.push({ keyword: text.slice(0, space).toUpperCase(), args: text.slice(space + 1), line: startLine });
  });
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(' ');
      const platform = words.find((w) => w.startsWith('--platform='))?.slice('--platform='.length) ?? null;
      const rest = words.filter((w) => !w.startsWith('--'));
      const image = rest[0]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => globalArgs[a ?? b!] ?? '');
      stages.push({ from: image, platform, name: rest[1]?.toUpperCase() === 'AS' ? rest[2]! : null, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name, value] = instruction.args.split('=');
        globalArgs[name!] = value ?? '';
      }
    } else {
      stages[stages.length - 1]!.instructions.push(instruction);
    }
  }
  return { path, globalArgs, stages };
}

/** The stage the image is (the last one). */
export function finalStage(file: Dockerfile): Stage {
  const stage = file.stages[file.stages.length - 1];
  if (stage === undefined) throw new Error(`${file.path} has no FROM`);
  return stage;
}

export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** The exec form (a JSON array) of CMD / ENTRYPOINT, or of `HEALTHCHECK [options] CMD [...]`. */
export function execForm(instruction: Instruction): string[] {
  const text = instruction.keyword === 'HEALTHCHECK' ? instruction.args.slice(instruction.args.indexOf('CMD ') + 4) : instruction.args;
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) throw new Error(`line ${instruction.line}: not an exec form: ${text}`);
  return parsed as string[];
}

/** The variables ENV sets in a stage, in order (`ENV A=1 B=2`, the form used here). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of instructionsOf(stage, 'ENV')) {
    for (const match of instruction.args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
      const value = match[2]!;
      env[match[1]!] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
    }
  }
  return env;
}

/** The one instruction of this kind in the stage (the last one counts, as in docker). */
export function lastOf(stage: Stage, keyword: string): Instruction | undefined {
  const all = instructionsOf(stage, keyword);
  return all[all.length - 1];
}
