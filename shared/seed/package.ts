/**
 * Builds a workty package (a zip archive) from a folder. Entries are sorted and carry a fixed
 * timestamp, so the same folder always gives the same bytes (and the same content hash).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import yazl from 'yazl';

const FIXED_MTIME = new Date('2016-10-01T00:00:00Z');

function filesUnder(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(root, path);
      return entry.isFile() ? [path] : [];
    });
}

export function zipFolder(folder: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const path of filesUnder(folder)) {
    const name = relative(folder, path).split(sep).join('/');
    zip.addBuffer(readFileSync(path), name, { mtime: FIXED_MTIME, mode: statSync(path).mode & 0o777 | 0o100000 });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}
