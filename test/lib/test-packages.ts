/** Purpose-made workty packages for end-to-end tests (real zips, as uploaded through REST). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yazl from 'yazl';
import { projectRoot } from '../../shared/paths.js';
import { zipFolder } from '../../shared/seed/package.js';
import { makeTempDir } from './tmp.js';

/** A package of the given files (path → content). */
export async function packageOf(files: Record<string, string>): Promise<Buffer> {
  const dir = makeTempDir('package');
  try {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir.path, path)), { recursive: true });
      writeFileSync(join(dir.path, path), content, { mode: 0o755 });
    }
    return await zipFolder(dir.path);
  } finally {
    dir.remove();
  }
}

/** One of the sample workties made on first start (shared/seed/workties/<folder>). */
export function samplePackage(folder: string): Promise<Buffer> {
  return zipFolder(join(projectRoot, 'shared', 'seed', 'workties', folder));
}

/** A Node task whose index.js is `source`. */
export function nodeTask(source: string): Promise<Buffer> {
  return packageOf({ 'index.js': `'use strict';\n${source}\n` });
}

function zipOf(entries: Array<{ name: string; content: Buffer }>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) zip.addBuffer(entry.content, entry.name, { mtime: new Date('2016-10-01T00:00:00Z') });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * A package with an entry that would land outside its folder (`../../escaped.js`). Zip writers refuse
 * such names, so a same-length placeholder is written and renamed in the bytes (the CRC covers the
 * content only, so the archive stays valid).
 */
export async function escapingPackage(): Promise<Buffer> {
  const zip = await zipOf([
    { name: 'index.js', content: Buffer.from("console.log('harmless');\n") },
    { name: '__/__/escaped.js', content: Buffer.from("console.log('should never be written');\n") },
  ]);
  const placeholder = Buffer.from('__/__/escaped.js');
  const escaping = Buffer.from('../../escaped.js');
  for (let at = zip.indexOf(placeholder); at >= 0; at = zip.indexOf(placeholder, at + 1)) escaping.copy(zip, at);
  return zip;
}

/** A small archive that unpacks to `bytes` bytes (zeros compress well). */
export function inflatingPackage(bytes: number): Promise<Buffer> {
  return zipOf([
    { name: 'index.js', content: Buffer.from("console.log('never runs');\n") },
    { name: 'padding.bin', content: Buffer.alloc(bytes) },
  ]);
}
