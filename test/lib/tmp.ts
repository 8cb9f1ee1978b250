/** Temporary directories that tests remove afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  remove(): void;
}

export function makeTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `workty-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
