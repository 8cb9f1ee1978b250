import { expect } from 'chai';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AttemptKey } from '../../../shared/protocol/worker.js';
import { OUTBOX_FILE, Outbox, type OutboxOptions } from '../../../worker/outbox/outbox.js';
import { silentLogger } from '../../lib/logger.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';

function key(n: number): AttemptKey {
  return { runId: `run${n}`.padEnd(24, '0'), instanceId: `inst${n}`.padEnd(24, '0'), attempt: 1, leaseToken: `lease-${n}` };
}

describe('worker outbox', () => {
  let dir: TempDir;
  const opened: Outbox[] = [];

  async function open(options: Partial<OutboxOptions> = {}): Promise<Outbox> {
    const outbox = await Outbox.open({ dir: dir.path, flushIntervalMs: 20, flushBytes: 1024 * 1024, logger: silentLogger(), ...options });
    opened.push(outbox);
    return outbox;
  }

  beforeEach(() => {
    dir = makeTempDir('outbox');
  });

  afterEach(async () => {
    for (const outbox of opened.splice(0)) await outbox.close();
    dir.remove();
  });

  it('gives each attempt dense seqs from 1 and the outbox one increasing outboxSeq', async () => {
    const outbox = await open();
    const a = key(1);
    const b = key(2);
    outbox.append(a, { type: 'started', pid: 10 });
    outbox.append(b, { type: 'started', pid: 11 });
    outbox.append(a, { type: 'log', stream: 'stdout', text: 'hello\n' });
    const last = outbox.append(a, { type: 'progress', state: 'download' });
    await outbox.whenDurable(last.outboxSeq);
    const entries = outbox.unsent(0, 100);
    expect(entries.map((e) => e.outboxSeq)).to.deep.equal([1, 2, 3, 4]);
    expect(entries.map((e) => [e.report.key.runId, e.report.seq])).to.deep.equal([[a.runId, 1], [b.runId, 1], [a.runId, 2], [a.runId, 3]]);
    expect(entries[0]!.report).to.include({ type: 'started', pid: 10 });
    expect(Date.parse(entries[0]!.report.at)).to.be.closeTo(Date.now(), 5000);
  });

  it('hands out only entries that are on disk', async () => {
    const outbox = await open({ flushIntervalMs: 60_000 });
    outbox.append(key(1), { type: 'log', stream: 'stdout', text: 'x' });
    expect(outbox.unsent(0, 10)).to.have.length(0);
    expect(outbox.durableThrough).to.equal(0);
    await outbox.flush();
    expect(outbox.unsent(0, 10)).to.have.length(1);
    expect(outbox.durableThrough).to.equal(1);
  });

  it('batches writes: many appends in one turn cost one write and one fdatasync', async () => {
    const outbox = await open({ flushIntervalMs: 30 });
    const base = { ...outbox.stats };
    let last = 0;
    for (let i = 0; i < 200; i += 1) last = outbox.append(key(1), { type: 'log', stream: 'stdout', text: `line ${i}\n` }).outboxSeq;
    // State changes are urgent, but coalesce with what is buffered in the same turn.
    outbox.append(key(1), { type: 'started', pid: 1 }, true);
    outbox.append(key(2), { type: 'started', pid: 2 }, true);
    await outbox.whenDurable(last + 2);
    expect(outbox.stats.writes - base.writes).to.equal(1);
    expect(outbox.stats.fsyncs - base.fsyncs).to.equal(1);
    expect(outbox.stats.appends - base.appends).to.equal(202);
  });

  it('writes at once when the buffer passes its byte threshold', async () => {
    const outbox = await open({ flushIntervalMs: 60_000, flushBytes: 2048 });
    const entry = outbox.append(key(1), { type: 'log', stream: 'stdout', text: 'y'.repeat(3000) });
    await outbox.whenDurable(entry.outboxSeq);
    expect(outbox.stats.fsyncs).to.be.greaterThan(0);
  });

  it('forgets acknowledged entries, also after a restart, and keeps counting where it stopped', async () => {
    const first = await open();
    const a = key(1);
    for (let i = 0; i < 5; i += 1) first.append(a, { type: 'log', stream: 'stdout', text: `${i}\n` });
    await first.flush();
    first.ack(3);
    expect(first.unsent(0, 10).map((e) => e.outboxSeq)).to.deep.equal([4, 5]);
    await first.close();

    const second = await open();
    expect(second.unsent(0, 10).map((e) => [e.outboxSeq, e.report.seq])).to.deep.equal([[4, 4], [5, 5]]);
    const next = second.append(a, { type: 'log', stream: 'stdout', text: 'after restart\n' });
    expect(next.outboxSeq).to.equal(6);
    expect(next.report.seq).to.equal(6);
  });

  it('keeps counting after everything was acknowledged and compacted away', async () => {
    const first = await open();
    const running = key(1);
    first.append(running, { type: 'started', pid: 42 });
    first.append(running, { type: 'log', stream: 'stdout', text: 'a\n' });
    await first.flush();
    first.ack(2);
    await first.close();
    const second = await open();
    expect(second.pendingCount).to.equal(0);
    // The running attempt is still tracked (it never finished), with its next seq and pid.
    expect(second.attempt(running)).to.deep.include({ nextSeq: 3, finished: false, pid: 42 });
    expect(second.append(running, { type: 'log', stream: 'stdout', text: 'b\n' })).to.deep.include({ outboxSeq: 3 });
  });

  it('forgets a finished attempt once its reports are acknowledged', async () => {
    const outbox = await open();
    const a = key(1);
    outbox.append(a, { type: 'started', pid: 1 });
    const end = outbox.append(a, { type: 'finished', outcome: 'completed', exitCode: 0, signal: null, result: { ok: true }, error: null, retryable: false });
    await outbox.whenDurable(end.outboxSeq);
    expect(outbox.attempts().map((r) => r.finished)).to.deep.equal([true]);
    outbox.ack(end.outboxSeq - 1);
    expect(outbox.attempts()).to.have.length(1);
    outbox.ack(end.outboxSeq);
    expect(outbox.attempts()).to.have.length(0);
  });

  it('compacts the file once it is big and mostly acknowledged', async () => {
    const outbox = await open({ compactBytes: 4096 });
    let last = 0;
    for (let i = 0; i < 100; i += 1) last = outbox.append(key(1), { type: 'log', stream: 'stdout', text: `${'z'.repeat(60)} ${i}\n` }).outboxSeq;
    await outbox.whenDurable(last);
    const file = join(dir.path, OUTBOX_FILE);
    const before = statSync(file).size;
    outbox.ack(last - 1);
    await outbox.flush();
    expect(outbox.stats.compactions).to.be.greaterThan(1);
    const after = statSync(file).size;
    expect(after).to.be.lessThan(before / 10);
    expect(outbox.unsent(0, 10).map((e) => e.outboxSeq)).to.deep.equal([last]);
  });

  it('drops an attempt and its reports, durably', async () => {
    const first = await open();
    const keep = key(1);
    const gone = key(2);
    first.append(keep, { type: 'started', pid: 1 });
    first.append(gone, { type: 'started', pid: 2 });
    first.append(gone, { type: 'log', stream: 'stderr', text: 'doomed\n' });
    expect(first.drop(gone)).to.equal(2);
    await first.close();
    const second = await open();
    expect(second.unsent(0, 10).map((e) => e.report.key.runId)).to.deep.equal([keep.runId]);
    expect(second.attempt(gone)).to.equal(undefined);
  });

  it('skips a torn last line (power cut in the middle of a write) and keeps the rest', async () => {
    const first = await open();
    for (let i = 0; i < 3; i += 1) first.append(key(1), { type: 'log', stream: 'stdout', text: `${i}\n` });
    await first.close();
    const file = join(dir.path, OUTBOX_FILE);
    appendFileSync(file, '0badc0de {"k":"r","o":4,"r":{"type":"lo');
    const second = await open();
    expect(second.unsent(0, 10).map((e) => e.outboxSeq)).to.deep.equal([1, 2, 3]);
    // The file was rewritten whole.
    expect(readFileSync(file, 'utf8').endsWith('\n')).to.equal(true);
    expect(second.append(key(1), { type: 'log', stream: 'stdout', text: 'next\n' }).outboxSeq).to.equal(4);
  });

  it('skips a line whose checksum does not match', async () => {
    const first = await open();
    first.append(key(1), { type: 'log', stream: 'stdout', text: 'kept\n' });
    await first.close();
    const file = join(dir.path, OUTBOX_FILE);
    const forged = `{"k":"r","o":2,"r":${JSON.stringify({ type: 'log', stream: 'stdout', text: 'forged', key: key(1), seq: 2, at: new Date().toISOString() })}}`;
    appendFileSync(file, `00000000 ${forged}\n`);
    const second = await open();
    expect(second.unsent(0, 10).map((e) => (e.report.type === 'log' ? e.report.text : ''))).to.deep.equal(['kept\n']);
  });

  it('refuses appends once closed', async () => {
    const outbox = await open();
    await outbox.close();
    expect(() => outbox.append(key(1), { type: 'started', pid: null })).to.throw('outbox is closed');
  });
});
