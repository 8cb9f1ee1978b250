/**
 * Packages cached on the board's disk by content hash (`<dir>/<sha256>.zip`).
 *
 * INVARIANTS
 * - A file under its final name always holds exactly the bytes of its hash: downloads go to a
 *   temporary file, are checked (size, SHA-256), fsync'd and only then renamed into place.
 * - One download per hash at a time: concurrent attempts needing the same package share it.
 * - Past the disk budget the least recently used packages are deleted, never one in use (leased).
 * - Recency is the file's mtime, touched at each use, so it survives restarts.
 * - A download cut by the network (the supervisor restarting, a flaky link) is tried again with
 *   backoff for a while before the attempt fails: a supervisor restart must not cost a task one of
 *   its attempts. A refused package (bad hash, too large, unknown) fails at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../../shared/log.js';
import { Backoff } from '../connection/backoff.js';
import { PackageUnavailableError, type PackageSource } from './download.js';
import { PackageRejectedError } from './unzip.js';

export interface PackageCacheOptions {
  dir: string;
  /** Disk budget of cached packages. */
  budgetBytes: number;
  /** Largest package accepted. */
  maxPackageBytes: number;
  source: PackageSource;
  logger: Logger;
  /** How long, and how often, a download cut by the network is tried again (default: 60 s, 250 ms–5 s). */
  retry?: { windowMs: number; minMs: number; maxMs: number };
}

const DEFAULT_RETRY = { windowMs: 60_000, minMs: 250, maxMs: 5_000 };

/** Transport failures a later try may not meet; anything else (disk, refused package) is final. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE']);

function isTransient(error: unknown): boolean {
  if (error instanceof PackageUnavailableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/** A package in use: its file stays until `release()`. */
export interface PackageLease {
  path: string;
  release(): void;
}

export interface CacheStats {
  hits: number;
  downloads: number;
  evictions: number;
}

const HASH = /^[0-9a-f]{64}$/;

export class PackageCache {
  readonly stats: CacheStats = { hits: 0, downloads: 0, evictions: 0 };
  private readonly inUse = new Map<string, number>();
  private readonly downloading = new Map<string, Promise<void>>();

  constructor(private readonly options: PackageCacheOptions) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    // Partial downloads of a previous run are useless.
    for (const name of readdirSync(options.dir)) if (name.endsWith('.part')) rmSync(join(options.dir, name), { force: true });
  }

  pathOf(hash: string): string {
    return join(this.options.dir, `${hash}.zip`);
  }

  /** The package's file, downloaded first if needed; keep it with the lease until released. */
  async acquire(ref: { hash: string; size: number }, signal: AbortSignal): Promise<PackageLease> {
    const hash = ref.hash.toLowerCase();
    if (!HASH.test(hash)) throw new PackageRejectedError(`"${ref.hash}" is not a SHA-256 content hash`);
    if (ref.size > this.options.maxPackageBytes) {
      throw new PackageRejectedError(`it is ${ref.size} bytes, over this board's limit of ${this.options.maxPackageBytes}`);
    }
    this.hold(hash);
    try {
      const path = this.pathOf(hash);
      if (await exists(path)) {
        this.stats.hits += 1;
        await touch(path);
      } else {
        // The download is shared: one waiter giving up (its attempt stopped) does not end it for the others.
        let download = this.downloading.get(hash);
        if (download === undefined) {
          download = this.downloadRetrying(hash, ref.size).finally(() => this.downloading.delete(hash));
          this.downloading.set(hash, download);
        }
        await untilAborted(download, signal);
        await this.evict();
      }
      let released = false;
      return {
        path,
        release: () => {
          if (released) return;
          released = true;
          this.unhold(hash);
        },
      };
    } catch (error) {
      this.unhold(hash);
      throw error;
    }
  }

  private async downloadRetrying(hash: string, size: number): Promise<void> {
    const retry = this.options.retry ?? DEFAULT_RETRY;
    const backoff = new Backoff(retry.minMs, retry.maxMs);
    const deadline = Date.now() + retry.windowMs;
    for (;;) {
      try {
        await this.download(hash, size);
        return;
      } catch (error) {
        const delay = backoff.next();
        if (!isTransient(error) || Date.now() + delay > deadline) throw error;
        this.options.logger.warn({ hash, err: error, retryInMs: delay }, 'package download cut; trying again');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async download(hash: string, size: number): Promise<void> {
    const limit = Math.min(size, this.options.maxPackageBytes);
    const part = join(this.options.dir, `.${hash}.${randomBytes(4).toString('hex')}.part`);
    const digest = createHash('sha256');
    let received = 0;
    const check = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received > limit) {
          callback(new PackageRejectedError(`the supervisor sent more than the package's ${limit} bytes`));
          return;
        }
        digest.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      const body = await this.options.source.open(hash);
      await pipeline(body, check, createWriteStream(part, { mode: 0o600 }));
      const actual = digest.digest('hex');
      if (actual !== hash) throw new PackageRejectedError(`its content has SHA-256 ${actual}, not ${hash}`);
      if (received !== size) throw new PackageRejectedError(`it is ${received} bytes, not the announced ${size}`);
      await fsyncFile(part);
      await rename(part, this.pathOf(hash));
      this.stats.downloads += 1;
      this.options.logger.info({ hash, bytes: received }, 'package downloaded');
    } finally {
      await rm(part, { force: true });
    }
  }

  /** Deletes least recently used packages not in use until the cache fits its budget. */
  async evict(): Promise<number> {
    const files = await Promise.all(
      readdirSync(this.options.dir)
        .filter((name) => /^[0-9a-f]{64}\.zip$/.test(name))
        .map(async (name) => {
          const info = await stat(join(this.options.dir, name)).catch(() => null);
          return info === null ? null : { hash: name.slice(0, 64), size: info.size, used: info.mtimeMs };
        }),
    );
    const present = files.filter((f): f is NonNullable<typeof f> => f !== null).sort((a, b) => a.used - b.used);
    let total = present.reduce((sum, f) => sum + f.size, 0);
    let evicted = 0;
    for (const file of present) {
      if (total <= this.options.budgetBytes) break;
      if (this.inUse.has(file.hash)) continue;
      await rm(this.pathOf(file.hash), { force: true });
      total -= file.size;
      evicted += 1;
      this.stats.evictions += 1;
      this.options.logger.debug({ hash: file.hash, bytes: file.size }, 'package evicted from the cache');
    }
    return evicted;
  }

  private hold(hash: string): void {
    this.inUse.set(hash, (this.inUse.get(hash) ?? 0) + 1);
  }

  private unhold(hash: string): void {
    const n = (this.inUse.get(hash) ?? 1) - 1;
    if (n <= 0) this.inUse.delete(hash);
    else this.inUse.set(hash, n);
  }
}

/** Waits for `work`, or rejects as soon as `signal` aborts (the work goes on for others). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
