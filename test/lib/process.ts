/** Running the compiled roles as real child processes from tests. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Absolute path of a compiled entry point, e.g. `roleScript('launcher')` → dist/launcher/main.js. */
export function roleScript(role: string): string {
  return fileURLToPath(new URL(`../../${role}/main.js`, import.meta.url));
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a script to completion with the given environment (added to a minimal one). */
export function runToEnd(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return runCommand(process.execPath, ['--disable-warning=DEP0111', script, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
}

export interface CommandOptions {
  /** The whole environment of the command. */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to its standard input, then closed. None: no standard input at all (a socket there would make bash read its rc files). */
  stdin?: string;
}

/** Runs a command to completion, collecting its output. */
export function runCommand(file: string, args: string[], options: CommandOptions): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    child.stdin?.end(options.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
