/**
 * The response cache against a real server: an unchanged answer is served again byte for byte, and
 * no answer is ever older than the store, whoever wrote to it — this server, or another process
 * writing to the same SQLite file (as a second REST server or the supervisor's engine does).
 */
import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sqliteFile } from '../../../shared/store/index.js';
import { expectError, expectStatus } from '../../lib/api-assert.js';
import { startTestRestApi, uniqueName } from '../../lib/restapi.js';
import type { TestRestApi, TestUser } from '../../lib/restapi.js';
import { ownWorkty } from '../../lib/rest-fixtures.js';
import type { WriterReply, WriterRequest } from './store-writer-child.js';

/** The other process, and its replies in order. */
class Writer {
  private readonly replies: WriterReply[] = [];
  private readonly waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.on('message', (reply: WriterReply) => {
      this.replies.push(reply);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => {
      resolve(code);
      for (const wake of this.waiters.splice(0)) wake();
    }));
  }

  static start(file: string): Writer {
    return new Writer(fork(fileURLToPath(new URL('./store-writer-child.js', import.meta.url)), [file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  send(request: WriterRequest): void {
    this.child.send(request);
  }

  /** The next reply (consumed); a `failed` reply or an exit fails the test. */
  async next(): Promise<WriterReply> {
    for (;;) {
      const reply = this.replies.shift();
      if (reply !== undefined) {
        if (reply.type === 'failed') expect.fail(`the writer failed: ${reply.error}`);
        return reply;
      }
      if (this.child.exitCode !== null) expect.fail('the writer exited');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.connected) this.send({ type: 'stop' });
    await this.exited;
  }
}

describe('REST response cache', () => {
  let t: TestRestApi;
  let alice: TestUser;
  let bob: TestUser;
  let writer: Writer;

  before(async () => {
    t = await startTestRestApi();
    alice = await t.createUser();
    bob = await t.createUser();
    writer = Writer.start(sqliteFile(t.dataDir));
    expect((await writer.next()).type).to.equal('ready');
  });

  after(async () => {
    await writer.stop();
    await t.assertNoSecretsLeaked();
    await t.close();
  });

  const stats = () => ({ ...t.api.responseCache!.stats });

  it('is on by default', () => {
    expect(t.api.responseCache).to.not.equal(undefined);
  });

  it('serves an unchanged answer again, byte for byte, headers included', async () => {
    await alice.api.post('/workflows', { name: uniqueName('wf') });
    const path = '/workflows?count=true&sort=-created';
    const first = await alice.api.get(path);
    const before = stats();
    const second = await alice.api.get(path);
    expect(stats().hits).to.equal(before.hits + 1);
    expect(second.text).to.equal(first.text);
    expect(second.headers['records-count']).to.equal(first.headers['records-count']).and.to.equal('1');
    expect(second.headers['content-type']).to.equal('application/json; charset=utf-8');
    expect(second.headers['api-version']).to.equal(first.headers['api-version']);
    // Compact and pretty are different answers.
    const compact = await alice.api.get(`${path}&pretty=false`);
    expect(compact.text).to.equal(JSON.stringify(first.body));
  });

  it('keeps answers per caller', async () => {
    await bob.api.post('/workflows', { name: uniqueName('bobs') });
    const mine = await alice.api.get('/workflows');
    const his = await bob.api.get('/workflows');
    expect(mine.body.every((w: { accountId: string }) => w.accountId === alice.id)).to.equal(true);
    expect(his.body.every((w: { accountId: string }) => w.accountId === bob.id)).to.equal(true);
    expect((await alice.api.get('/workflows')).text).to.equal(mine.text);
    expect((await bob.api.get('/workflows')).text).to.equal(his.text);
  });

  it('still authenticates and authorises every request', async () => {
    await alice.api.get('/workflows');
    expectError(await t.client.get('/workflows'), 401, 1);
    expectError(await t.client.as({ email: alice.email, password: 'wrong-password' }).get('/workflows'), 401, 1);
    await t.store.accounts.update(alice.id, { all: true }, { removed: true });
    try {
      expectError(await alice.api.get('/workflows'), 403, 14);
    } finally {
      await t.store.accounts.update(alice.id, { all: true }, { removed: false });
    }
  });

  it('answers a write made through this server at once', async () => {
    const created = await alice.api.post('/workflows', { name: 'before' });
    const path = `/workflows/${created.body._id}`;
    expect((await alice.api.get(path)).body.name).to.equal('before');
    expect((await alice.api.get(path)).body.name).to.equal('before');
    expectStatus(await alice.api.put(path, { name: 'after' }), 200);
    expect((await alice.api.get(path)).body.name).to.equal('after');
  });

  it('answers a write committed by another process at once', async () => {
    const created = await alice.api.post('/workflows', { name: 'ours' });
    const workflowId = created.body._id as string;
    const path = `/workflows/${workflowId}?embed=worktiesinstances`;
    await alice.api.get(path);
    expect((await alice.api.get(path)).body.name).to.equal('ours');
    const before = stats();

    writer.send({ type: 'rename', workflowId, name: 'theirs' });
    expect((await writer.next()).type).to.equal('renamed');
    expect((await alice.api.get(path)).body.name).to.equal('theirs');

    // An instance added elsewhere: the workflow's instance ids and the embedded instances change.
    const workty = await ownWorkty(t, alice);
    await alice.api.get(path);
    writer.send({ type: 'add', workflowId, accountId: alice.id, worktyId: workty._id });
    const added = await writer.next();
    if (added.type !== 'added') expect.fail(`unexpected reply ${added.type}`);
    const after = await alice.api.get(path);
    expect(after.body.worktiesInstancesIds.map((i: { _id: string }) => i._id)).to.deep.equal([added.instanceId]);
    expect((await alice.api.get(`/workflows/${workflowId}/worktiesInstances`)).body.map((i: { _id: string }) => i._id)).to.deep.equal([added.instanceId]);
    expect(stats().invalidations).to.be.greaterThan(before.invalidations);
  });

  it('never answers older than a write another process committed before the request, under constant writes', async function () {
    this.timeout(60_000);
    const created = await alice.api.post('/workflows', { name: 'v0' });
    const workflowId = created.body._id as string;
    // A write every 2 ms for a few hundred milliseconds: reads land both between and across writes.
    const count = 250;
    let acknowledged = 0;
    let finished = false;
    writer.send({ type: 'renames', workflowId, count, everyMs: 2 });
    const follow = (async () => {
      for (;;) {
        const reply = await writer.next();
        if (reply.type === 'committed') acknowledged = reply.version;
        else if (reply.type === 'done') break;
        else expect.fail(`unexpected reply ${reply.type}`);
      }
      finished = true;
    })();
    const before = stats();
    let reads = 0;
    while (!finished) {
      // What the writer had committed (and said so) before this request was sent.
      const floor = acknowledged;
      const single = (await alice.api.get(`/workflows/${workflowId}`)).body as { name: string };
      const listed = ((await alice.api.get('/workflows?pretty=false')).body as Array<{ _id: string; name: string }>)
        .find((w) => w._id === workflowId);
      for (const name of [single.name, listed?.name]) {
        const version = Number(String(name).slice(1));
        expect(version, `read ${name} after the writer had committed v${floor}`).to.be.at.least(floor);
      }
      reads += 1;
    }
    await follow;
    expect((await alice.api.get(`/workflows/${workflowId}`)).body.name).to.equal(`v${count}`);
    const after = stats();
    expect(reads).to.be.greaterThan(10);
    // The cache did serve answers between writes, and dropped them at every write it saw.
    expect(after.hits).to.be.greaterThan(before.hits);
    expect(after.invalidations).to.be.greaterThan(before.invalidations);
  });

  it('keeps no error answer and nothing of a route it does not cover', async () => {
    const missing = `/workflows/${'0'.repeat(24)}`;
    expectError(await alice.api.get(missing), 404, 2);
    const before = stats();
    expectError(await alice.api.get(missing), 404, 2);
    expect(stats()).to.deep.equal({ ...before, misses: before.misses + 1 });
    // Devices: their last-seen time is written without a change event, so the cache is not asked.
    expectStatus(await t.admin.api.get('/devices'), 200);
    expectStatus(await t.admin.api.get('/devices'), 200);
    expect(stats()).to.deep.equal({ ...before, misses: before.misses + 1 });
  });
});

describe('REST response cache off (WORKTY_REST_RESPONSE_CACHE_BYTES=0)', () => {
  let t: TestRestApi;

  before(async () => {
    t = await startTestRestApi({ env: { WORKTY_REST_RESPONSE_CACHE_BYTES: '0' } });
  });

  after(async () => {
    await t.close();
  });

  it('answers every request afresh', async () => {
    expect(t.api.responseCache).to.equal(undefined);
    const created = await t.admin.api.post('/workflows', { name: 'a' });
    const path = `/workflows/${created.body._id}`;
    expect((await t.admin.api.get(path)).body.name).to.equal('a');
    await t.store.workflows.update(created.body._id, { all: true }, { name: 'b' });
    expect((await t.admin.api.get(path)).body.name).to.equal('b');
  });
});
