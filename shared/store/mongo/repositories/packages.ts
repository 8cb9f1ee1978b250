/** Package archives, stored once per SHA-256 of their bytes. */
import { createHash } from 'node:crypto';
import { PayloadTooLargeError, ValidationError } from '../../../domain/errors.js';
import type { PackageRef } from '../../../domain/model.js';
import { ruleMessage } from '../../../domain/rules.js';
import type { PackageRepository } from '../../port.js';
import type { Tx } from '../transactions.js';
import { guard } from './cascade.js';
import type { Context } from './context.js';

/** A package is one document: MongoDB's 16 MiB document limit, less room for the other fields. */
export const MAX_PACKAGE_BYTES = 16 * 1024 * 1024 - 64 * 1024;

export function packageHash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The bytes of a stored binary field, whatever form the driver returned it in. */
export function toBuffer(value: unknown): Buffer | null {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const binary = value as { value?: () => Uint8Array } | null;
  if (binary !== null && typeof binary === 'object' && typeof binary.value === 'function') {
    const bytes = binary.value();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return null;
}

/**
 * Stores bytes under their hash inside `tx` (idempotent) and returns the reference. The write always
 * changes the document (its guard), so a concurrent drop of an unused package conflicts with it.
 */
export async function storePackage(ctx: Context, tx: Tx, bytes: Buffer): Promise<PackageRef> {
  if (!Buffer.isBuffer(bytes)) {
    throw new ValidationError([{ path: 'packageBytes', message: ruleMessage.invalid('packageBytes', 'must be binary data') }]);
  }
  if (bytes.length > MAX_PACKAGE_BYTES) {
    throw new PayloadTooLargeError(`The package has ${bytes.length} bytes; the MongoDB store keeps packages of at most ${MAX_PACKAGE_BYTES} bytes`);
  }
  const hash = packageHash(bytes);
  await ctx.models.Package.updateOne(
    { hash: { $eq: hash } },
    { $setOnInsert: { hash, size: bytes.length, bytes, created: new Date() }, $inc: { guard: 1 } },
    { upsert: true, session: tx.session },
  );
  return { hash, size: bytes.length };
}

/** Takes a further reference to a stored package (e.g. an installed copy of a template). */
export async function referencePackage(ctx: Context, tx: Tx, ref: PackageRef): Promise<void> {
  const found = await ctx.models.Package.findOne({ hash: { $eq: ref.hash } }, { _id: 1 }).session(tx.session).lean();
  if (found === null || !(await guard(ctx.models.Package, found._id, tx))) {
    throw new Error(`Package ${ref.hash} is referenced but missing from the store`);
  }
}

export class MongoPackages implements PackageRepository {
  constructor(private readonly ctx: Context) {}

  async get(hash: string): Promise<Buffer | null> {
    if (typeof hash !== 'string') return null;
    const doc = await this.ctx.models.Package.findOne({ hash: { $eq: hash } }, { bytes: 1 }).lean();
    return doc === null ? null : toBuffer(doc.bytes);
  }

  put(bytes: Buffer): Promise<PackageRef> {
    return this.ctx.tx.run((tx) => storePackage(this.ctx, tx, bytes));
  }
}
