import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PackageRejectedError, unzipSafely, type UnzipLimits } from '../../../worker/packages/unzip.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';
import { makeZip, patchBytes, patchDeclaredSizes, type ZipItem } from '../../lib/worker/zips.js';

const LIMITS: UnzipLimits = { maxUnpackedBytes: 1024 * 1024, maxEntries: 50 };

describe('safe unzip of packages', () => {
  let dir: TempDir;
  let n = 0;

  beforeEach(() => {
    dir = makeTempDir('unzip');
  });

  afterEach(() => dir.remove());

  async function unzip(zip: Buffer, limits: UnzipLimits = LIMITS): Promise<{ target: string; summary: Awaited<ReturnType<typeof unzipSafely>> }> {
    n += 1;
    const file = join(dir.path, `package-${n}.zip`);
    writeFileSync(file, zip);
    const target = join(dir.path, `out-${n}`);
    return { target, summary: await unzipSafely(file, target, limits) };
  }

  async function rejection(zip: Buffer, limits: UnzipLimits = LIMITS): Promise<PackageRejectedError> {
    try {
      await unzip(zip, limits);
    } catch (error) {
      expect(error).to.be.instanceOf(PackageRejectedError);
      return error as PackageRejectedError;
    }
    throw new Error('the package was accepted');
  }

  /** Nothing may appear next to the target folder (the temporary folder holds only zips and targets). */
  function strayFiles(): string[] {
    return readdirSync(dir.path).filter((name) => !name.startsWith('package-') && !name.startsWith('out-'));
  }

  it('unpacks files and folders, keeping the executable bit and nothing more', async () => {
    const items: ZipItem[] = [
      { name: 'index.js', data: 'console.log(1)' },
      { name: 'bin/run.sh', data: '#!/bin/sh\necho hi\n', mode: 0o104755 },
      { name: 'empty/', directory: true },
    ];
    const { target, summary } = await unzip(await makeZip(items));
    expect(readFileSync(join(target, 'index.js'), 'utf8')).to.equal('console.log(1)');
    expect(statSync(join(target, 'bin/run.sh')).mode & 0o7777).to.equal(0o755);
    expect(statSync(join(target, 'index.js')).mode & 0o7777).to.equal(0o644);
    expect(statSync(join(target, 'empty')).isDirectory()).to.equal(true);
    expect(summary).to.deep.equal({ files: 2, directories: 1, symlinks: 0, bytes: 14 + 18 });
  });

  it('refuses an entry that climbs out with ..', async () => {
    const zip = patchBytes(await makeZip([{ name: 'QQ/evil.txt', data: 'pwned' }]), 'QQ/evil.txt', '../evil.txt');
    const error = await rejection(zip);
    expect(error.message).to.match(/^package rejected: .*\.\.\/evil\.txt/);
    expect(strayFiles()).to.deep.equal([]);
  });

  it('refuses an absolute entry name', async () => {
    const zip = patchBytes(await makeZip([{ name: 'Qtmp/evil.txt', data: 'pwned' }]), 'Qtmp/evil.txt', '/tmp/evil.txt');
    expect((await rejection(zip)).message).to.contain('absolute path');
  });

  it('refuses a link pointing outside the folder', async () => {
    const error = await rejection(await makeZip([{ name: 'escape', data: '../../../etc', mode: 0o120777 }]));
    expect(error.message).to.contain('link "escape" points outside the package folder');
  });

  it('refuses a link to an absolute path', async () => {
    const error = await rejection(await makeZip([{ name: 'passwd', data: '/etc/passwd', mode: 0o120777 }]));
    expect(error.message).to.contain('points to an absolute path');
  });

  it('refuses links that leave the folder only when followed (a link through a link)', async () => {
    const error = await rejection(await makeZip([
      { name: 'here', data: '.', mode: 0o120777 },
      { name: 'sneaky', data: 'here/..', mode: 0o120777 },
    ]));
    expect(error.message).to.contain('link "sneaky" resolves outside the package folder');
  });

  it('never writes a file through a link', async () => {
    const error = await rejection(await makeZip([
      { name: 'out', data: 'sub', mode: 0o120777 },
      { name: 'out/file.txt', data: 'x' },
    ]));
    expect(error.message).to.contain('link "out" clashes with another entry');
  });

  it('accepts links that stay inside', async () => {
    const { target, summary } = await unzip(await makeZip([
      { name: 'v1/lib.js', data: 'module.exports = 1' },
      { name: 'current', data: 'v1', mode: 0o120777 },
      { name: 'v1/alias.js', data: './lib.js', mode: 0o120777 },
    ]));
    expect(readlinkSync(join(target, 'current'))).to.equal('v1');
    expect(readFileSync(join(target, 'current', 'alias.js'), 'utf8')).to.equal('module.exports = 1');
    expect(summary.symlinks).to.equal(2);
  });

  it('refuses an archive that declares more than the limit, before writing anything', async () => {
    const zip = await makeZip([{ name: 'big.bin', data: Buffer.alloc(2 * 1024 * 1024) }]);
    const error = await rejection(zip);
    expect(error.message).to.contain(`declares more than ${LIMITS.maxUnpackedBytes} bytes`);
    expect(readdirSync(dir.path).filter((name) => name.startsWith('out-'))).to.deep.equal([]);
  });

  it('stops a zip bomb that lies about its size while inflating', async () => {
    const honest = await makeZip([{ name: 'bomb.bin', data: Buffer.alloc(4 * 1024 * 1024) }]);
    // 4 MiB of zeros deflates to a few KiB; the headers now claim 1000 bytes.
    const lying = patchDeclaredSizes(honest, 1000);
    expect(lying.length).to.be.lessThan(64 * 1024);
    const error = await rejection(lying);
    expect(error.message).to.match(/inflates past its declared size|inflates past the limit/);
    const out = readdirSync(dir.path).find((name) => name.startsWith('out-'));
    if (out !== undefined && existsSync(join(dir.path, out, 'bomb.bin'))) {
      expect(statSync(join(dir.path, out, 'bomb.bin')).size).to.be.at.most(1000 + 64 * 1024);
    }
  });

  it('adds up the declared sizes of all entries', async () => {
    const items = [1, 2, 3].map((i) => ({ name: `part${i}.bin`, data: Buffer.alloc(300 * 1024, i) }));
    const error = await rejection(await makeZip(items), { maxUnpackedBytes: 800 * 1024, maxEntries: 10 });
    expect(error.message).to.contain('declares more than');
  });

  it('refuses too many entries', async () => {
    const items = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' }));
    const error = await rejection(await makeZip(items), { maxUnpackedBytes: 1024 * 1024, maxEntries: 5 });
    expect(error.message).to.contain('6 entries, over the limit of 5');
  });

  it('refuses the same name twice', async () => {
    const zip = patchBytes(await makeZip([{ name: 'a.txt', data: '1' }, { name: 'b.txt', data: '2' }]), 'b.txt', 'a.txt');
    expect((await rejection(zip)).message).to.contain('"a.txt" appears twice');
  });

  it('refuses bytes that are not a zip archive', async () => {
    expect((await rejection(Buffer.from('this is not a zip file at all, sorry'))).message).to.contain('not a readable zip archive');
  });
});
