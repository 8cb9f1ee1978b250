/**
 * Builds workty packages (zip archives) from a folder or from entries. Entries carry a fixed
 * timestamp, and a folder's are sorted, so the same input always gives the same bytes (and the same
 * content hash).
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
  return zipEntries(filesUnder(folder).map((path) => ({
    name: relative(folder, path).split(sep).join('/'),
    data: readFileSync(path),
    mode: statSync(path).mode & 0o777 | 0o100000,
  })));
}

/** One entry of an archive made by `zipEntries`. */
export interface ZipEntry {
  /** Path inside the archive, with `/`. */
  name: string;
  /** File content (ignored for a directory). */
  data?: Buffer | string;
  /** Unix mode, e.g. 0o100755; yazl's default when absent. */
  mode?: number;
  directory?: boolean;
}

/** A zip archive of these entries, in this order, each with the fixed timestamp. */
export function zipEntries(entries: readonly ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    if (entry.directory === true) zip.addEmptyDirectory(entry.name, { mtime: FIXED_MTIME });
    else zip.addBuffer(Buffer.from(entry.data ?? ''), entry.name, entry.mode === undefined ? { mtime: FIXED_MTIME } : { mtime: FIXED_MTIME, mode: entry.mode });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}
