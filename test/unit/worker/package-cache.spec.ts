import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { Readable } from 'node:stream';
import { PackageCache } from '../../../worker/packages/cache.js';
import { PackageUnavailableError, type PackageSource } from '../../../worker/packages/download.js';
import { PackageRejectedError } from '../../../worker/packages/unzip.js';
import { silentLogger } from '../../lib/logger.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';

/** An in-memory supervisor: serves bytes by hash, counting requests. */
class MemorySource implements PackageSource {
  readonly bytes = new Map<string, Buffer>();
  readonly requests: string[] = [];
  /** Requests still to fail as a cut connection would, before bytes are served again. */
  cuts = 0;

  add(data: Buffer | string): { hash: string; size: number } {
    const buffer = Buffer.from(data);
    const hash = createHash('sha256').update(buffer).digest('hex');
    this.bytes.set(hash, buffer);
    return { hash, size: buffer.length };
  }

  async open(hash: string): Promise<Readable> {
    this.requests.push(hash);
    if (this.cuts > 0) {
      this.cuts -= 1;
      throw new PackageUnavailableError(`downloading package ${hash} failed: read ECONNRESET`);
    }
    const data = this.bytes.get(hash);
    if (data === undefined) throw new Error(`no package ${hash}`);
    // Two chunks, to exercise streaming.
    return Readable.from([data.subarray(0, data.length >> 1), data.subarray(data.length >> 1)]);
  }
}

describe('package cache', () => {
  let dir: TempDir;
  let source: MemorySource;

  beforeEach(() => {
    dir = makeTempDir('packages');
    source = new MemorySource();
  });

  afterEach(() => dir.remove());

  function cache(budgetBytes = 1024 * 1024, maxPackageBytes = 1024 * 1024, retry = { windowMs: 1_000, minMs: 5, maxMs: 20 }): PackageCache {
    return new PackageCache({ dir: dir.path, budgetBytes, maxPackageBytes, source, logger: silentLogger(), retry });
  }

  it('tries a download cut by the network again, within its window', async () => {
    const packages = cache();
    const ref = source.add('after two cuts');
    source.cuts = 2;
    const lease = await packages.acquire(ref, never);
    lease.release();
    expect(readFileSync(lease.path, 'utf8')).to.equal('after two cuts');
    expect(source.requests).to.have.length(3);
  });

  it('gives up when the network stays cut past the window, and at once on a refused package', async () => {
    const packages = cache(1024 * 1024, 1024 * 1024, { windowMs: 50, minMs: 10, maxMs: 20 });
    const ref = source.add('never reached');
    source.cuts = 1_000;
    let error: unknown;
    try {
      await packages.acquire(ref, never);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PackageUnavailableError);
    expect(source.requests.length).to.be.within(2, 10);

    source.cuts = 0;
    source.requests.length = 0;
    const { hash } = source.add('the real one');
    source.bytes.set(hash, Buffer.from('tampered'));
    error = undefined;
    try {
      await packages.acquire({ hash, size: 'tampered'.length }, never);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PackageRejectedError);
    expect(source.requests).to.have.length(1);
  });

  const never = new AbortController().signal;

  it('downloads a package once, verifies it, and serves it from disk afterwards', async () => {
    const packages = cache();
    const ref = source.add('zip bytes, pretend');
    const first = await packages.acquire(ref, never);
    expect(readFileSync(first.path, 'utf8')).to.equal('zip bytes, pretend');
    first.release();
    const second = await packages.acquire(ref, never);
    second.release();
    expect(second.path).to.equal(first.path);
    expect(source.requests).to.have.length(1);
    expect(packages.stats).to.include({ downloads: 1, hits: 1 });
  });

  it('shares one download between attempts that need the same package at once', async () => {
    const packages = cache();
    const ref = source.add('shared');
    const leases = await Promise.all([packages.acquire(ref, never), packages.acquire(ref, never), packages.acquire(ref, never)]);
    for (const lease of leases) lease.release();
    expect(source.requests).to.have.length(1);
  });

  it('refuses bytes whose hash does not match, and keeps nothing of them', async () => {
    const packages = cache();
    const { hash } = source.add('the real package');
    source.bytes.set(hash, Buffer.from('something else entirely'));
    let error: unknown;
    try {
      await packages.acquire({ hash, size: 'something else entirely'.length }, never);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PackageRejectedError);
    expect((error as Error).message).to.contain(`not ${hash}`);
    expect(readdirSync(dir.path)).to.deep.equal([]);
  });

  it('refuses a body longer than the announced size without reading it all', async () => {
    const packages = cache();
    const ref = source.add('twenty bytes of data');
    let error: unknown;
    try {
      await packages.acquire({ hash: ref.hash, size: 5 }, never);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PackageRejectedError);
    expect((error as Error).message).to.contain('more than the package\'s 5 bytes');
    expect(readdirSync(dir.path)).to.deep.equal([]);
  });

  it('refuses a package over the board\'s size limit before downloading', async () => {
    const packages = cache(1024 * 1024, 10);
    const ref = source.add('more than ten bytes');
    let error: unknown;
    try {
      await packages.acquire(ref, never);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.contain('over this board\'s limit of 10');
    expect(source.requests).to.have.length(0);
  });

  it('refuses a reference that is not a SHA-256 hash', async () => {
    let error: unknown;
    try {
      await cache().acquire({ hash: '../../etc/passwd', size: 1 }, never);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PackageRejectedError);
  });

  it('evicts the least recently used packages past its budget, never one in use', async () => {
    const packages = cache(250);
    const refs = [0, 1, 2].map((i) => source.add(String(i).repeat(100)));
    const [a, b, c] = refs as [typeof refs[0], typeof refs[0], typeof refs[0]];
    const inUse = await packages.acquire(a, never);
    (await packages.acquire(b, never)).release();
    // b was used long ago; a is older still but in use.
    utimesSync(packages.pathOf(a.hash), new Date(1_000_000), new Date(1_000_000));
    utimesSync(packages.pathOf(b.hash), new Date(2_000_000), new Date(2_000_000));
    (await packages.acquire(c, never)).release();
    expect(existsSync(packages.pathOf(a.hash))).to.equal(true);
    expect(existsSync(packages.pathOf(b.hash))).to.equal(false);
    expect(existsSync(packages.pathOf(c.hash))).to.equal(true);
    inUse.release();
    expect(await packages.evict()).to.equal(0);
    expect(packages.stats.evictions).to.equal(1);
  });

  it('lets an attempt stop waiting for a download without spoiling it for the others', async () => {
    const packages = cache();
    const ref = source.add('slow package');
    const gate = new Promise<void>((resolve) => setTimeout(resolve, 50));
    const original = source.open.bind(source);
    source.open = async (hash) => {
      await gate;
      return original(hash);
    };
    const stopped = new AbortController();
    const first = packages.acquire(ref, stopped.signal);
    const second = packages.acquire(ref, never);
    stopped.abort(new Error('attempt stopped'));
    let error: unknown;
    try {
      await first;
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.equal('attempt stopped');
    const lease = await second;
    expect(readFileSync(lease.path, 'utf8')).to.equal('slow package');
    lease.release();
  });
});
