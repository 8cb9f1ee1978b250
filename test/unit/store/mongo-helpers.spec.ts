/** The adapter's pure parts: positions, charges, log bounds, run snapshots and the output boundary. */
import { expect } from 'chai';
import { Types, mongo } from 'mongoose';
import { BadRequestError, ConflictError } from '../../../shared/domain/errors.js';
import { idOf } from '../../../shared/domain/dictionaries.js';
import type { LogChunk } from '../../../shared/domain/model.js';
import {
  accountOut, changeOut, fromJsonText, instanceOut, journalOut, runOut, toJsonText, tokenOut, deviceOut,
} from '../../../shared/store/mongo/convert.js';
import type { InstanceRecord, WorktyRecord } from '../../../shared/store/mongo/models/index.js';
import { inOrderOf } from '../../../shared/store/mongo/repositories/context.js';
import { selectChunks, truncateUtf8 } from '../../../shared/store/mongo/repositories/logs.js';
import { toBuffer } from '../../../shared/store/mongo/repositories/packages.js';
import { chargeFor } from '../../../shared/store/mongo/repositories/payments.js';
import { insertionIndex } from '../../../shared/store/mongo/repositories/positions.js';
import { snapshotInstances } from '../../../shared/store/mongo/repositories/runs.js';

const ids = ['65f0a1b2c3d4e5f601234561', '65f0a1b2c3d4e5f601234562', '65f0a1b2c3d4e5f601234563'];
const now = new Date('2024-05-01T10:00:00.000Z');

function badRequestCode(work: () => unknown): number {
  try {
    work();
  } catch (error) {
    expect(error).to.be.instanceOf(BadRequestError);
    return (error as BadRequestError).code;
  }
  return expect.fail('no error');
}

describe('MongoDB store: instance positions', () => {
  it('appends by default and places first, last, at an index or before an instance', () => {
    expect(insertionIndex(ids, undefined)).to.equal(3);
    expect(insertionIndex(ids, {})).to.equal(3);
    expect(insertionIndex(ids, null)).to.equal(3);
    expect(insertionIndex(ids, { type: 'first' })).to.equal(0);
    expect(insertionIndex(ids, { type: 'last' })).to.equal(3);
    expect(insertionIndex(ids, { index: 0 })).to.equal(0);
    expect(insertionIndex(ids, { index: 3 })).to.equal(3);
    expect(insertionIndex(ids, { beforeId: ids[1] as string })).to.equal(1);
    expect(insertionIndex([], { index: 0 })).to.equal(0);
  });

  it('refuses bad positions with the 2016 codes', () => {
    expect(badRequestCode(() => insertionIndex(ids, { type: 'middle' as 'first' }))).to.equal(12);
    expect(badRequestCode(() => insertionIndex(ids, { index: 4 }))).to.equal(10);
    expect(badRequestCode(() => insertionIndex(ids, { index: -1 }))).to.equal(10);
    expect(badRequestCode(() => insertionIndex(ids, { index: 1.5 }))).to.equal(10);
    expect(badRequestCode(() => insertionIndex(ids, { beforeId: '65f0a1b2c3d4e5f601234569' }))).to.equal(11);
    expect(badRequestCode(() => insertionIndex(ids, { beforeId: 'nope' }))).to.equal(11);
    expect(badRequestCode(() => insertionIndex(ids, { type: 'first', index: 1 } as never))).to.equal(12);
    expect(badRequestCode(() => insertionIndex(ids, { middle: true } as never))).to.equal(12);
    expect(badRequestCode(() => insertionIndex(ids, { index: '1' } as never))).to.equal(10);
  });
});

describe('MongoDB store: charges', () => {
  it('charges price × (100 − discount) / 100 cents, rounded half up', () => {
    expect(chargeFor(1000, 0)).to.equal(1000);
    expect(chargeFor(999, 50)).to.equal(500);
    expect(chargeFor(1001, 50)).to.equal(501);
    expect(chargeFor(1000, 33)).to.equal(670);
    expect(chargeFor(1, 50)).to.equal(1);
    expect(chargeFor(1, 51)).to.equal(0);
    expect(chargeFor(5000, 100)).to.equal(0);
    expect(chargeFor(0, 10)).to.equal(0);
  });
});

describe('MongoDB store: captured output bounds', () => {
  const chunk = (seq: number, text: string): Omit<LogChunk, 'at'> => ({
    runId: ids[0] as string, instanceId: ids[1] as string, attempt: 1, seq, stream: 'stdout', text,
  });

  it('cuts UTF-8 text without splitting a character', () => {
    expect(truncateUtf8('hello', 10)).to.equal('hello');
    expect(truncateUtf8('hello', 3)).to.equal('hel');
    expect(truncateUtf8('héllo', 2)).to.equal('h');
    expect(truncateUtf8('héllo', 3)).to.equal('hé');
    expect(truncateUtf8('😀x', 3)).to.equal('');
    expect(truncateUtf8('abc', 0)).to.equal('');
  });

  it('stores new seqs once, in the order given, until the budget is spent', () => {
    const picked = selectChunks([chunk(3, 'ccc'), chunk(1, 'a'), chunk(2, 'bb'), chunk(2, 'dup')], new Set([1]), 100);
    expect(picked.map((c) => [c.seq, c.text])).to.deep.equal([[3, 'ccc'], [2, 'bb']]);
    const bounded = selectChunks([chunk(1, 'aaaa'), chunk(2, 'bbbb'), chunk(3, 'cccc'), chunk(4, '')], new Set(), 6);
    expect(bounded.map((c) => [c.seq, c.text]), 'cut, dropped, and an empty chunk kept').to.deep.equal([[1, 'aaaa'], [2, 'bb'], [4, '']]);
    expect(selectChunks([chunk(4, 'x')], new Set(), 0)).to.deep.equal([]);
    expect(selectChunks([chunk(5, 'x')], new Set(), -3)).to.deep.equal([]);
  });
});

describe('MongoDB store: run snapshots', () => {
  const oid = (hex: string): Types.ObjectId => new Types.ObjectId(hex);
  const workty = (languageTypeId: string) => ({
    _id: oid('65f0a1b2c3d4e5f6012345a1'), name: 'Print', languageTypeId: oid(languageTypeId),
    entryPointModuleFileName: 'index.js', package: { hash: 'a'.repeat(64), size: 3 },
  }) as unknown as WorktyRecord;
  const instance = (id: string, name: string) => ({
    _id: oid(id), worktyId: oid('65f0a1b2c3d4e5f6012345a1'), name, state: 'completed',
    properties: [{ _id: oid('65f0a1b2c3d4e5f6012345b1'), name: 'timeout', value: 1000 }],
    target: { labels: ['lab'] }, retry: { maxAttempts: 2 },
  }) as unknown as InstanceRecord;

  it('freezes the instances in workflow order with their runtime, reset to initial', () => {
    const workties = new Map([['65f0a1b2c3d4e5f6012345a1', workty(idOf.languageType('python'))]]);
    const snapshot = snapshotInstances([ids[1] as string, ids[0] as string], [instance(ids[0] as string, 'first'), instance(ids[1] as string, 'second')], workties);
    expect(snapshot.map((i) => i.name)).to.deep.equal(['second', 'first']);
    expect(snapshot[0]).to.deep.include({ runtime: 'python3', entryPoint: 'index.js', state: 'initial', checkpoint: null, notBefore: null });
    expect(snapshot[0]?.attempts).to.deep.equal([]);
    expect(snapshot[0]?.package).to.deep.equal({ hash: 'a'.repeat(64), size: 3 });
    expect(snapshot[0]?.properties[0]).to.deep.include({ name: 'timeout', value: 1000 });
  });

  it('refuses an instance whose workty is gone or has no runtime', () => {
    expect(() => snapshotInstances([ids[0] as string], [instance(ids[0] as string, 'x')], new Map())).to.throw(ConflictError);
    const noRuntime = new Map([['65f0a1b2c3d4e5f6012345a1', workty(idOf.worktyType('in'))]]);
    expect(() => snapshotInstances([ids[0] as string], [instance(ids[0] as string, 'x')], noRuntime)).to.throw(ConflictError, 'runtime');
  });
});

describe('MongoDB store: output boundary', () => {
  const oid = new Types.ObjectId(ids[0]);

  it('gives ids as 24-hex strings, dates as ISO strings, and never a secret', () => {
    const account = accountOut({
      _id: oid, name: 'Ann', email: 'Ann@x.org', emailKey: 'ann@x.org', passwordHash: '$2b$hash', credentialsVersion: 3, guard: 2,
      aclRoleNames: ['regular'], amount: 5, removed: false, removedDate: null, created: now, updated: now, __v: 0,
    });
    expect(account).to.deep.equal({
      _id: ids[0], name: 'Ann', email: 'Ann@x.org', aclRoleNames: ['regular'], amount: 5, removed: false, removedDate: null,
      created: '2024-05-01T10:00:00.000Z', updated: '2024-05-01T10:00:00.000Z',
    });
    expect(deviceOut({ _id: oid, name: 'pi', secretHash: 'h' })).to.deep.equal({ _id: ids[0], name: 'pi' });
    expect(tokenOut({ _id: oid, tokenHash: 'h', expires: now })).to.deep.equal({ _id: ids[0], expires: '2024-05-01T10:00:00.000Z' });
  });

  it('keeps a projection\'s fields only', () => {
    expect(accountOut({ _id: oid, name: 'Ann' })).to.deep.equal({ _id: ids[0], name: 'Ann' });
  });

  it('converts embedded ids and dates, and reads task JSON back', () => {
    const instance = instanceOut({
      _id: oid, properties: [{ _id: oid, name: 'p', value: 1 }], target: { deviceId: oid }, retry: { maxAttempts: 2 },
    });
    expect(instance).to.deep.equal({
      _id: ids[0], properties: [{ _id: ids[0], name: 'p', value: 1 }], target: { deviceId: ids[0] }, retry: { maxAttempts: 2 },
    });
    const run = runOut({
      _id: oid, journalSeq: 9, instances: [{
        instanceId: oid, notBefore: null, checkpoint: { state: 'upload', data: '{"$done":[1,2]}' },
        attempts: [{ number: 1, deviceId: oid, leaseExpires: now, dispatched: now, started: null, ended: null, result: '{"ok":true}' }],
      }],
    });
    expect(run).to.deep.equal({
      _id: ids[0], instances: [{
        instanceId: ids[0], notBefore: null, checkpoint: { state: 'upload', data: { $done: [1, 2] } },
        attempts: [{ number: 1, deviceId: ids[0], leaseExpires: now.toISOString(), dispatched: now.toISOString(), started: null, ended: null, result: { ok: true } }],
      }],
    });
    expect(journalOut({ runId: oid, seq: 1, at: now, instanceId: null, data: '{"from":"queued"}' })).to.deep.equal({
      runId: ids[0], seq: 1, at: now.toISOString(), instanceId: null, data: { from: 'queued' },
    });
    expect(changeOut({ seq: 4, at: now, id: oid, accountId: null, data: { status: 'running' } })).to.deep.equal({
      seq: 4, at: now.toISOString(), id: ids[0], accountId: null, data: { status: 'running' },
    });
  });

  it('stores opaque task JSON as text, undefined as null', () => {
    expect(toJsonText({ 'a.b': 1, $c: [true] })).to.equal('{"a.b":1,"$c":[true]}');
    expect(toJsonText(undefined)).to.equal('null');
    expect(fromJsonText('not json', 'fallback')).to.equal('fallback');
    expect(fromJsonText(null)).to.equal(null);
  });

  it('reads package bytes whatever form the driver returns', () => {
    const bytes = Buffer.from('PK\u0003\u0004zip');
    expect(toBuffer(bytes)?.equals(bytes)).to.equal(true);
    expect(toBuffer(new mongo.Binary(bytes))?.equals(bytes)).to.equal(true);
    expect(toBuffer(new Uint8Array(bytes))?.equals(bytes)).to.equal(true);
    expect(toBuffer('text')).to.equal(null);
  });

  it('returns getMany results in the asked order, once each, skipping missing ids', () => {
    const items = [{ _id: 'b' }, { _id: 'a' }];
    expect(inOrderOf(['a', 'x', 'b', 'a'], items)).to.deep.equal([{ _id: 'a' }, { _id: 'b' }]);
  });
});
