import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FolderLockedError, LOCK_FILE, lockFolder, startTimeOf } from '../../../worker/folder-lock.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';

describe('worker folder lock', () => {
  let dir: TempDir;

  beforeEach(() => {
    dir = makeTempDir('lock');
  });

  afterEach(() => dir.remove());

  it('lets one worker at a time use a folder', () => {
    const lock = lockFolder(dir.path);
    expect(() => lockFolder(dir.path)).to.throw(FolderLockedError, `another worker (pid ${process.pid}) uses`);
    lock.release();
    expect(existsSync(join(dir.path, LOCK_FILE))).to.equal(false);
    lockFolder(dir.path).release();
  });

  it('refuses a folder held by another live process, takes over one whose process is gone or was replaced', async () => {
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((resolve) => other.once('spawn', resolve));
    try {
      const pid = other.pid!;
      writeFileSync(join(dir.path, LOCK_FILE), JSON.stringify({ pid, started: startTimeOf(pid) }));
      expect(() => lockFolder(dir.path)).to.throw(FolderLockedError, `another worker (pid ${pid})`);
      // Same pid, another start time: a reused pid (e.g. after a reboot).
      writeFileSync(join(dir.path, LOCK_FILE), JSON.stringify({ pid, started: '1' }));
      lockFolder(dir.path).release();
    } finally {
      other.kill('SIGKILL');
      await new Promise((resolve) => other.once('exit', resolve));
    }
    writeFileSync(join(dir.path, LOCK_FILE), JSON.stringify({ pid: other.pid, started: null }));
    lockFolder(dir.path).release();
  });
});
