/** The README's shell blocks, for tests that run them as written. */
import { runCommand, type Finished } from './process.js';

/** The ```sh blocks between `<!-- <section>:begin -->` and `<!-- <section>:end -->`, in order. */
export function readmeShellBlocks(readme: string, section: string): string[] {
  const begin = readme.indexOf(`<!-- ${section}:begin -->`);
  const end = readme.indexOf(`<!-- ${section}:end -->`);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${section} markers`);
  return [...readme.slice(begin, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** Runs a script in `bash -euo pipefail`. */
export function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Finished> {
  return runCommand('bash', ['-euo', 'pipefail', '-c', script], { cwd, env });
}
