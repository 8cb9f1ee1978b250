/**
 * Workty packages as uploaded (`compressedCode`): a base64 string or a serialised Node Buffer
 * (`{"type": "Buffer", "data": [...]}`, what 2016 clients sent). The bytes must be a readable zip
 * (checked from its magic bytes, then its central directory with yauzl) whose entries stay inside
 * the package and which holds the entry point; anything over the package limit is a 413.
 */
import yauzl from 'yauzl';
import { z } from 'zod';
import { PayloadTooLargeError, ValidationError } from '../domain/errors.js';
import { ruleMessage } from '../domain/rules.js';

export const packageField = z.union([
  z.string().meta({ description: 'The zip, base64-encoded' }),
  z.strictObject({ type: z.literal('Buffer'), data: z.array(z.int().min(0).max(255)) })
    .meta({ description: 'The zip as a serialised Node Buffer' }),
]).meta({ description: 'The package: a zip archive holding the entry point' });

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function invalid(path: string, why: string): ValidationError {
  return new ValidationError([{ path, message: ruleMessage.invalid(path, why) }]);
}

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The package is larger than ${limit} bytes`);
}

/** The bytes of an uploaded package; 413 over `limit`, 409 when it is not a zip. */
export function decodePackage(value: z.infer<typeof packageField>, limit: number): Buffer {
  let bytes: Buffer;
  if (typeof value === 'string') {
    const compact = value.replace(/\s+/g, '');
    if (!BASE64.test(compact) || compact.length % 4 !== 0) throw invalid('compressedCode', 'not valid base64');
    if (Math.floor((compact.length * 3) / 4) - (compact.match(/=/g)?.length ?? 0) > limit) throw tooLarge(limit);
    bytes = Buffer.from(compact, 'base64');
  } else {
    if (value.data.length > limit) throw tooLarge(limit);
    bytes = Buffer.from(value.data);
  }
  const magic = bytes.subarray(0, 4).toString('latin1');
  if (magic !== 'PK\x03\x04' && magic !== 'PK\x05\x06') throw invalid('compressedCode', 'not a zip archive');
  return bytes;
}

/** The file names of a zip; 409 when it cannot be read or an entry would escape the package folder. */
export function listZipEntries(bytes: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (error, zip) => {
      if (error || zip === undefined) {
        reject(invalid('compressedCode', 'not a readable zip archive'));
        return;
      }
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        // yauzl refuses absolute paths and `..` segments itself (an 'error' below); keep files only.
        if (!entry.fileName.endsWith('/')) names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', () => reject(invalid('compressedCode', 'not a readable zip archive, or an entry escapes the package')));
      zip.readEntry();
    });
  });
}

/** Checks that the package holds the entry point; 409 otherwise. */
export async function checkPackage(bytes: Buffer, entryPoint: string): Promise<void> {
  const names = await listZipEntries(bytes);
  if (!names.includes(entryPoint)) {
    throw new ValidationError([{
      path: 'entryPointModuleFileName',
      message: ruleMessage.invalid('entryPointModuleFileName', 'the package holds no such file'),
    }]);
  }
}
