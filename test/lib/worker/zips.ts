/**
 * Zip archives for tests, including hostile ones. yazl refuses to write bad names, so those are written
 * with a same-length placeholder and patched in the bytes afterwards; sizes are patched the same way.
 */
import { zipEntries } from '../../../shared/seed/package.js';

export interface ZipItem {
  name: string;
  /** File content, or a symbolic link's target. */
  data?: Buffer | string;
  /** Unix mode, e.g. 0o100755 for an executable, 0o120777 for a link. */
  mode?: number;
  directory?: boolean;
}

export function makeZip(items: ZipItem[]): Promise<Buffer> {
  return zipEntries(items.map((item) => (item.directory === true ? item : { ...item, mode: item.mode ?? 0o100644 })));
}

/** Replaces every occurrence of `from` by `to` (same byte length) — e.g. to forge an entry name. */
export function patchBytes(zip: Buffer, from: string, to: string): Buffer {
  if (Buffer.byteLength(from) !== Buffer.byteLength(to)) throw new Error('patches must keep the length');
  const out = Buffer.from(zip);
  const needle = Buffer.from(from);
  let at = out.indexOf(needle);
  if (at < 0) throw new Error(`"${from}" not found in the zip`);
  while (at >= 0) {
    Buffer.from(to).copy(out, at);
    at = out.indexOf(needle, at + needle.length);
  }
  return out;
}

/** Rewrites the uncompressed size every header declares (local and central) — a lying zip. */
export function patchDeclaredSizes(zip: Buffer, size: number): Buffer {
  const out = Buffer.from(zip);
  for (let i = 0; i + 4 <= out.length; i += 1) {
    const signature = out.readUInt32LE(i);
    if (signature === 0x04034b50 && i + 26 <= out.length) out.writeUInt32LE(size, i + 22);
    if (signature === 0x02014b50 && i + 28 <= out.length) out.writeUInt32LE(size, i + 24);
  }
  return out;
}
