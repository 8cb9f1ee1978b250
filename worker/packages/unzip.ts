/**
 * Unpacks a workty package (zip) into a fresh folder, refusing anything that could write outside it
 * or fill the board's disk. A refused package fails its attempt for good (no retry can fix it).
 *
 * Rules (each checked by us, whatever the zip library already does):
 * - at most `maxEntries` entries;
 * - every entry name is relative, without `..` segments, NUL or backslashes, and stays inside;
 * - no two entries with the same name;
 * - the sizes the zip declares add up to at most `maxUnpackedBytes`, checked before anything is written;
 * - the bytes actually inflated are counted while writing: an entry inflating past its declared size, or
 *   a total past the limit, stops the unpacking (zip bombs lie about their sizes);
 * - symbolic links must be relative and point inside the folder; they are made last, after every file
 *   is written, so that no file is ever written through a link; then each link is resolved for real
 *   (links through links) and must still land inside;
 * - files keep only their executable bit (never setuid/setgid); other types become regular files.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, realpath, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Entry, ZipFile } from 'yauzl';

export interface UnzipLimits {
  maxUnpackedBytes: number;
  maxEntries: number;
}

/** The package itself is bad: the attempt fails and no retry can fix it. */
export class PackageRejectedError extends Error {
  constructor(message: string) {
    super(`package rejected: ${message}`);
    this.name = 'PackageRejectedError';
  }
}

export interface UnzipSummary {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
}

const MAX_LINK_TARGET_BYTES = 4096;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

interface Planned {
  entry: Entry;
  name: string;
  kind: 'file' | 'directory' | 'symlink';
}

/** Unpacks `zipPath` into `target` (created; must not exist yet). */
export async function unzipSafely(zipPath: string, target: string, limits: UnzipLimits): Promise<UnzipSummary> {
  let zip: ZipFile | null = null;
  try {
    zip = await openZip(zipPath);
    if (zip.entryCount > limits.maxEntries) {
      throw new PackageRejectedError(`it has ${zip.entryCount} entries, over the limit of ${limits.maxEntries}`);
    }
    const planned = await readEntries(zip, limits);
    await mkdir(target, { recursive: true, mode: 0o700 });
    const root = await realpath(target);
    return await extract(zip, planned, root, limits);
  } catch (error) {
    throw classify(error);
  } finally {
    zip?.close();
  }
}

async function openZip(path: string): Promise<ZipFile> {
  // Loaded on first use: an idle board does not pay for it.
  const { default: yauzl } = await import('yauzl');
  return new Promise((resolvePromise, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: true }, (error, zip) => {
      if (error) reject(error);
      else resolvePromise(zip);
    });
  });
}

/** Reads the central directory and checks names, duplicates and declared sizes before writing anything. */
async function readEntries(zip: ZipFile, limits: UnzipLimits): Promise<Planned[]> {
  const planned: Planned[] = [];
  const names = new Set<string>();
  let declared = 0;
  await new Promise<void>((resolvePromise, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolvePromise());
    zip.on('entry', (entry: Entry) => {
      try {
        const name = checkedName(entry.fileName);
        const key = name.replace(/\/$/, '');
        if (names.has(key)) throw new PackageRejectedError(`"${name}" appears twice`);
        names.add(key);
        declared += entry.uncompressedSize;
        if (declared > limits.maxUnpackedBytes) {
          throw new PackageRejectedError(`it declares more than ${limits.maxUnpackedBytes} bytes once unpacked (the limit)`);
        }
        planned.push({ entry, name, kind: kindOf(entry) });
        zip.readEntry();
      } catch (error) {
        reject(error);
      }
    });
    zip.readEntry();
  });
  return planned;
}

function checkedName(name: string): string {
  if (name.length === 0 || name.includes('\0') || name.includes('\\')) throw new PackageRejectedError(`bad entry name ${JSON.stringify(name)}`);
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) throw new PackageRejectedError(`"${name}" is an absolute path`);
  if (name.split('/').includes('..')) throw new PackageRejectedError(`"${name}" escapes the package folder`);
  return name;
}

function kindOf(entry: Entry): Planned['kind'] {
  if (entry.fileName.endsWith('/')) return 'directory';
  const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
  return (mode & S_IFMT) === S_IFLNK ? 'symlink' : 'file';
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

async function extract(zip: ZipFile, planned: Planned[], root: string, limits: UnzipLimits): Promise<UnzipSummary> {
  const summary: UnzipSummary = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  const links: Array<{ path: string; name: string; target: string }> = [];
  for (const item of planned) {
    const path = resolve(root, item.name);
    if (!inside(root, path)) throw new PackageRejectedError(`"${item.name}" escapes the package folder`);
    if (item.kind === 'directory') {
      await mkdir(path, { recursive: true, mode: 0o755 });
      summary.directories += 1;
    } else if (item.kind === 'symlink') {
      const linkTarget = await readLinkTarget(zip, item);
      if (isAbsolute(linkTarget) || linkTarget.includes('\0')) throw new PackageRejectedError(`link "${item.name}" points to an absolute path`);
      if (!inside(root, resolve(dirname(path), linkTarget))) throw new PackageRejectedError(`link "${item.name}" points outside the package folder`);
      links.push({ path, name: item.name, target: linkTarget });
    } else {
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      const executable = ((item.entry.externalFileAttributes >>> 16) & 0o111) !== 0;
      const written = await writeEntry(zip, item, path, executable ? 0o755 : 0o644, limits.maxUnpackedBytes - summary.bytes);
      summary.bytes += written;
      summary.files += 1;
    }
  }
  // Links last: no file above was written through one.
  for (const link of links) {
    await mkdir(dirname(link.path), { recursive: true, mode: 0o755 });
    await symlink(link.target, link.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') throw new PackageRejectedError(`link "${link.name}" clashes with another entry`);
      throw error;
    });
    summary.symlinks += 1;
  }
  for (const link of links) {
    const real = await realpath(link.path).catch((error: NodeJS.ErrnoException) => {
      // A dangling link points nowhere yet; its written target was checked above.
      if (error.code === 'ENOENT') return null;
      if (error.code === 'ELOOP') throw new PackageRejectedError(`link "${link.name}" loops`);
      throw error;
    });
    if (real !== null && !inside(root, real)) throw new PackageRejectedError(`link "${link.name}" resolves outside the package folder`);
  }
  return summary;
}

async function openEntry(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolvePromise, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error) reject(error);
      else resolvePromise(stream);
    });
  });
}

async function readLinkTarget(zip: ZipFile, item: Planned): Promise<string> {
  if (item.entry.uncompressedSize > MAX_LINK_TARGET_BYTES) throw new PackageRejectedError(`link "${item.name}" has an overlong target`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of await openEntry(zip, item.entry)) {
    size += (chunk as Buffer).length;
    if (size > MAX_LINK_TARGET_BYTES) throw new PackageRejectedError(`link "${item.name}" has an overlong target`);
    chunks.push(chunk as Buffer);
  }
  // Written as given: the checks below resolve it lexically, then for real once every link exists.
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes one file, counting the bytes really inflated; returns how many. */
async function writeEntry(zip: ZipFile, item: Planned, path: string, mode: number, room: number): Promise<number> {
  let count = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      count += chunk.length;
      if (count > room) callback(new PackageRejectedError(`it inflates past the limit while unpacking "${item.name}" (a zip bomb?)`));
      else callback(null, chunk);
    },
  });
  await pipeline(await openEntry(zip, item.entry), counter, createWriteStream(path, { flags: 'wx', mode }));
  return count;
}

/** Format and content problems reject the package; I/O failures (disk full, …) stay as they are. */
function classify(error: unknown): Error {
  if (error instanceof PackageRejectedError) return error;
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'EEXIST') return new PackageRejectedError(`an entry clashes with another one (${err.message})`);
  if (typeof err.code === 'string' && err.code.startsWith('E')) return err;
  if (/too many bytes in the stream|invalid relative path|absolute path|invalid characters/.test(err.message)) {
    const reason = /too many bytes/.test(err.message) ? `an entry inflates past its declared size (a zip bomb?): ${err.message}` : err.message;
    return new PackageRejectedError(reason);
  }
  return new PackageRejectedError(`not a readable zip archive: ${err.message}`);
}
