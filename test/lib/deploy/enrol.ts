/** Runs `node dist/worker/enrol.js` as a board's admin would. */
import { join } from 'node:path';
import { projectRoot } from '../../../shared/paths.js';
import { runCommand, type Finished } from '../process.js';

/** `node dist/worker/enrol.js ARGS` with `stdin` as its standard input (not a terminal). */
export function enrol(args: string[], stdin: string): Promise<Finished> {
  return runCommand(process.execPath, [join(projectRoot, 'dist', 'worker', 'enrol.js'), ...args], {
    cwd: projectRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdin,
  });
}
