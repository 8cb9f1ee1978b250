/** Runs `node dist/worker/enrol.js` as a board's admin would. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../../shared/paths.js';

/** `node dist/worker/enrol.js ARGS` with `stdin` as its standard input (not a terminal). */
export function enrol(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'dist', 'worker', 'enrol.js'), ...args], {
      cwd: projectRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
