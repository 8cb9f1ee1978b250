/**
 * Package archives, content-addressed: stored once per SHA-256, referenced by workties as
 * `{hash, size}`, deleted with the last reference (see `dropPackageIfUnused`).
 */
import { createHash } from 'node:crypto';
import { nowIso } from '../../domain/ids.js';
import type { PackageRef } from '../../domain/model.js';
import type { PackageRepository } from '../port.js';
import type { SqliteContext } from './database.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Stores the bytes unless a package with the same hash exists; inside the caller's transaction. */
export function storePackage(ctx: SqliteContext, bytes: Buffer): PackageRef {
  if (!Buffer.isBuffer(bytes)) throw new TypeError('A package is a Buffer');
  const hash = createHash('sha256').update(bytes).digest('hex');
  ctx.stmt('INSERT INTO packages (hash, size, bytes, created) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING')
    .run(hash, bytes.length, bytes, nowIso());
  return { hash, size: bytes.length };
}

export class SqlitePackages implements PackageRepository {
  constructor(private readonly ctx: SqliteContext) {}

  async get(hash: string): Promise<Buffer | null> {
    if (typeof hash !== 'string' || !SHA256_HEX.test(hash)) return null;
    const row = this.ctx.stmt('SELECT bytes FROM packages WHERE hash = ?').get(hash) as { bytes: Buffer } | undefined;
    return row === undefined ? null : row.bytes;
  }

  /** Stores bytes no workty refers to yet; they are collected when the last workty using them drops them. */
  async put(bytes: Buffer): Promise<PackageRef> {
    return this.ctx.write(() => storePackage(this.ctx, bytes));
  }
}
