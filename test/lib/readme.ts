/** The README's shell blocks, for tests that run them as written. */
import { spawn } from 'node:child_process';

/** The ```sh blocks between `<!-- <section>:begin -->` and `<!-- <section>:end -->`, in order. */
export function readmeShellBlocks(readme: string, section: string): string[] {
  const begin = readme.indexOf(`<!-- ${section}:begin -->`);
  const end = readme.indexOf(`<!-- ${section}:end -->`);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${section} markers`);
  return [...readme.slice(begin, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** Runs a script in `bash -euo pipefail`. */
export function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
