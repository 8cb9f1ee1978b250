import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../shared/paths.js';
import { probeRuntimes, type RuntimeCommand } from '../../../worker/facts/runtimes.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';
import { startTask, type StartTaskInput } from '../../lib/worker/tasks.js';
import { waitFor } from '../../lib/worker/wait.js';

const SAMPLE = readFileSync(join(projectRoot, 'shared', 'seed', 'workties', 'sdk-pipeline', 'index.mjs'), 'utf8');

describe('SDK: a workty written as a machina state machine', function () {
  this.timeout(20_000);
  let dir: TempDir;
  let node: RuntimeCommand;

  before(async () => {
    node = (await probeRuntimes(process.env.PATH)).find((r) => r.name === 'node')!;
  });

  beforeEach(() => {
    dir = makeTempDir('sdk');
  });

  afterEach(() => dir.remove());

  function sample(spec: StartTaskInput['spec'], extra: Partial<StartTaskInput> = {}) {
    return startTask({ root: dir.path, runtime: node, entryPoint: 'index.mjs', files: { 'index.mjs': SAMPLE }, spec, ...extra });
  }

  /** A task of our own, written against the SDK. */
  function machine(body: string, extra: Partial<StartTaskInput> = {}) {
    const source = `const { runStateMachine } = await import(process.env.WORKTY_SDK);\nawait runStateMachine(${body});\n`;
    return startTask({ root: dir.path, runtime: node, entryPoint: 'task.mjs', files: { 'task.mjs': source }, ...extra });
  }

  it('reports every state it enters, in order, and its checkpoints; the result is the task\'s', async () => {
    const run = sample({ properties: { records: 3, stepMs: 5 } });
    const outcome = await run.done;
    expect(outcome).to.deep.include({ outcome: 'completed', exitCode: 0, result: { uploaded: 3, resumedFrom: null } });
    expect(run.events.progress).to.deep.equal(['download', 'transform', 'upload', 'done']);
    expect(run.events.checkpoints.map((c) => c.state)).to.deep.equal(['transform', 'upload']);
    expect(run.events.checkpoints[1]!.data).to.deep.equal({
      records: [1, 2, 3].map((id) => ({ id, value: `RECORD-${id}` })),
    });
    expect(run.events.stdout).to.equal('downloaded 3 records\nuploaded 3 records\n');
  });

  it('resumes a re-dispatched attempt from its last checkpoint', async () => {
    const first = sample({ properties: { records: 4, stepMs: 5, failOnceAt: 'upload' } });
    const failed = await first.done;
    expect(failed).to.deep.include({ outcome: 'failed', exitCode: 1 });
    expect(first.events.stderr).to.contain('simulated failure in "upload" (attempt 1)');
    expect(first.events.progress).to.deep.equal(['download', 'transform', 'upload']);
    const last = first.events.checkpoints[first.events.checkpoints.length - 1]!;
    expect(last.state).to.equal('upload');

    const second = sample({ properties: { records: 4, stepMs: 5, failOnceAt: 'upload' }, checkpoint: last, key: { ...keyOfAttempt(2) } });
    const outcome = await second.done;
    expect(outcome).to.deep.include({ outcome: 'completed', result: { uploaded: 4, resumedFrom: 'upload' } });
    // Nothing before the checkpoint ran again.
    expect(second.events.progress).to.deep.equal(['upload', 'done']);
    expect(second.events.stdout).to.equal('resumed at "upload" with 4 transformed records\nuploaded 4 records\n');
  });

  it('makes the task wait until its checkpoint is on the worker\'s disk', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let asked = false;
    const run = sample({ properties: { records: 1, stepMs: 1 } }, {
      checkpointDelay: () => {
        asked = true;
        return held;
      },
    });
    await waitFor(() => asked, { what: 'the first checkpoint' });
    // Give the task every chance to run ahead if it did not wait.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(run.events.progress).to.deep.equal(['download']);
    release();
    expect((await run.done).outcome).to.equal('completed');
    expect(run.events.progress).to.deep.equal(['download', 'transform', 'upload', 'done']);
  });

  it('fails the attempt when a handler throws or rejects', async () => {
    const run = machine(`{
      initialState: 'start',
      states: {
        start: { _onEnter() { this.transition('broken'); } },
        broken: { async _onEnter() { await null; throw new Error('the cloud is down'); } },
      },
    }`);
    const outcome = await run.done;
    expect(outcome).to.deep.include({ outcome: 'failed', exitCode: 1 });
    expect(run.events.progress).to.deep.equal(['start', 'broken']);
    expect(run.events.stderr).to.contain('the cloud is down');
  });

  it('fails, saying where, a machine that stops without completing', async () => {
    const run = machine(`{ initialState: 'idle', states: { idle: { _onEnter() {} } } }`);
    const outcome = await run.done;
    expect(outcome.outcome).to.equal('failed');
    expect(run.events.stderr).to.contain('the state machine stopped in state "idle" with nothing left to do');
  });

  it('refuses a checkpoint over the size limit, and the task learns why', async () => {
    const run = machine(`{
      initialState: 'big',
      states: { big: { async _onEnter() { await this.checkpoint('big', { blob: 'x'.repeat(20000) }); this.complete(); } } },
    }`);
    const outcome = await run.done;
    expect(outcome.outcome).to.equal('failed');
    expect(run.events.checkpoints).to.deep.equal([]);
    expect(run.events.stderr).to.match(/checkpoint refused: it is \d+ bytes as JSON, over the limit of 16384/);
  });

  it('starts afresh, and says so, when the checkpoint names a state the task no longer has', async () => {
    const run = sample({ properties: { records: 1, stepMs: 1 }, checkpoint: { state: 'renamed-state', data: {} } });
    expect((await run.done).outcome).to.equal('completed');
    expect(run.events.progress[0]).to.equal('download');
    expect(run.events.stderr).to.contain('the checkpoint\'s state "renamed-state" is not a state of this task; starting afresh');
  });
});

function keyOfAttempt(attempt: number) {
  return { runId: 'a'.repeat(24), instanceId: 'b'.repeat(24), attempt, leaseToken: `lease-${attempt}` };
}
