import { expect } from 'chai';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Outbox } from '../../../worker/outbox/outbox.js';
import { silentLogger } from '../../lib/logger.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';

const WRITER = fileURLToPath(new URL('../../lib/worker/outbox-writer.js', import.meta.url));

/** Runs the writer until `minimum` entries are durable (by its word), then SIGKILLs it; returns what it last said. */
async function writeThenKill(dir: string, minimum: number): Promise<number> {
  const child = fork(WRITER, [dir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let durable = 0;
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve) => {
    child.on('message', (message: { durable?: number }) => {
      if (typeof message.durable !== 'number') return;
      durable = message.durable;
      if (durable >= minimum) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  expect(await exited).to.equal('SIGKILL');
  return durable;
}

describe('worker outbox across kill -9', function () {
  this.timeout(30_000);
  let dir: TempDir;

  beforeEach(() => {
    dir = makeTempDir('outbox-crash');
  });

  afterEach(() => dir.remove());

  it('keeps every report that was on disk, in order, with dense seqs, through repeated crashes', async () => {
    let expectedAtLeast = 0;
    for (let round = 1; round <= 3; round += 1) {
      const said = await writeThenKill(dir.path, expectedAtLeast + 300);
      expectedAtLeast = said;
      const outbox = await Outbox.open({ dir: dir.path, flushIntervalMs: 10, flushBytes: 1 << 20, logger: silentLogger() });
      const entries = outbox.unsent(0, 1_000_000);
      await outbox.close();
      // Everything it said was durable is there (and perhaps a little more), numbered without a gap.
      expect(entries.length).to.be.at.least(said);
      expect(entries.map((e) => e.outboxSeq)).to.deep.equal(entries.map((_, i) => i + 1));
      expect(entries.every((e) => e.report.type === 'log' && e.report.text === `entry ${e.outboxSeq}\n`)).to.equal(true);
      for (const runId of ['a', 'b', 'c'].map((c) => c.repeat(24))) {
        const seqs = entries.filter((e) => e.report.key.runId === runId).map((e) => e.report.seq);
        expect(seqs).to.deep.equal(seqs.map((_, i) => i + 1));
      }
    }
  });
});
