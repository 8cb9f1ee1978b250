/** Purpose-made workty packages for end-to-end tests (real zips, as uploaded through REST). */
import { join } from 'node:path';
import { projectRoot } from '../../shared/paths.js';
import { zipEntries, zipFolder } from '../../shared/seed/package.js';
import { patchBytes } from './worker/zips.js';

/** A package of the given files (path → content), each executable, sorted by path. */
export function packageOf(files: Record<string, string>): Promise<Buffer> {
  const names = Object.keys(files).sort();
  return zipEntries(names.map((name) => ({ name, data: files[name]!, mode: 0o100755 })));
}

/** One of the sample workties made on first start (shared/seed/workties/<folder>). */
export function samplePackage(folder: string): Promise<Buffer> {
  return zipFolder(join(projectRoot, 'shared', 'seed', 'workties', folder));
}

/** A Node task whose index.js is `source`. */
export function nodeTask(source: string): Promise<Buffer> {
  return packageOf({ 'index.js': `'use strict';\n${source}\n` });
}

/**
 * A package with an entry that would land outside its folder (`../../escaped.js`). Zip writers refuse
 * such names, so a same-length placeholder is written and renamed in the bytes (the CRC covers the
 * content only, so the archive stays valid).
 */
export async function escapingPackage(): Promise<Buffer> {
  const zip = await zipEntries([
    { name: 'index.js', data: "console.log('harmless');\n" },
    { name: '__/__/escaped.js', data: "console.log('should never be written');\n" },
  ]);
  return patchBytes(zip, '__/__/escaped.js', '../../escaped.js');
}

/** A small archive that unpacks to `bytes` bytes (zeros compress well). */
export function inflatingPackage(bytes: number): Promise<Buffer> {
  return zipEntries([
    { name: 'index.js', data: "console.log('never runs');\n" },
    { name: 'padding.bin', data: Buffer.alloc(bytes) },
  ]);
}
