/** Locations inside the installed project, independent of whether code runs from `dist/` or sources. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'workty') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No workty package.json above ${start}`);
    dir = parent;
  }
}

/** The folder holding Workty's package.json. */
export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

/** The agent version every role reports (package.json `version`). */
export const worktyVersion = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
