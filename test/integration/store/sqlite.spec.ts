/** The store contract on the embedded SQLite adapter, plus a second OS process writing at once. */
import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeStoreContract } from './contract.js';
import { prepareHammer, verifyHammer } from './contract.concurrency.js';
import { hammer, type HammerResult } from './hammer.js';
import { Fixtures } from './harness.js';
import { sqliteFactory } from './sqlite-factory.js';
import type { ChildReply, ChildRequest } from './sqlite-hammer-child.js';

describeStoreContract('sqlite', sqliteFactory);

/** The next reply of the child, or a rejection if it fails or exits first. */
function nextReply(child: ChildProcess): Promise<ChildReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: ChildReply): void => {
      cleanup();
      if (reply.type === 'failed') reject(new Error(`child failed: ${reply.error}`));
      else resolve(reply);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`child exited (${String(code)}) before replying`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

describe('sqlite store: another process writing at the same time', function () {
  it('keeps balances and positions exact, with no SQLITE_BUSY escaping', async function () {
    this.timeout(180_000);
    const sut = await sqliteFactory.create();
    const child = fork(fileURLToPath(new URL('./sqlite-hammer-child.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const setup = await prepareHammer(new Fixtures(sut.store), 40);
      const lane = { ...setup.plan, purchases: 50, inserts: 60 };
      const started = nextReply(child);
      child.send({ type: 'go', file: sut.file, plan: lane } satisfies ChildRequest);
      expect((await started).type).to.equal('started');
      const childDone = nextReply(child);
      const [mine, theirs] = await Promise.all([hammer(sut.store, lane), childDone]);
      if (theirs.type !== 'done') expect.fail(`unexpected reply ${theirs.type}`);
      const results: HammerResult[] = [mine, theirs.result];
      await verifyHammer(sut.store, setup, results, 100);
      expect(await exited).to.equal(0);
    } finally {
      if (child.exitCode === null) child.kill();
      await exited;
      await sut.destroy();
    }
  });
});
