/**
 * SIGTERM during a run loses nothing, for each role started as its image starts it (the compose
 * environment, test/lib/deploy/stack.ts): the REST API answers every request it accepted — bodies
 * still arriving included — and records each change exactly once; a supervisor stopped mid-run and
 * started again completes its runs with every state change recorded once; a worker stopped mid-attempt
 * finishes the attempt within its grace, reports it once, and its successor carries on.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { ApiClient } from '../../lib/https-client.js';
import { basic } from '../../lib/https-client.js';
import { DeployStack, type RoleProcess } from '../../lib/deploy/stack.js';
import { FINAL, restRun, restRunUntil, restWorkflow } from '../../lib/deploy/rest-flow.js';
import { waitFor } from '../../lib/wait.js';

/** A request whose headers the server has accepted (it answered `100 Continue`) and whose body is held back. */
interface HeldRequest {
  /** Sends the body; resolves with the status, or rejects if the connection was cut. */
  finish(): Promise<{ status: number; body: any }>;
}

function heldRequest(port: number, ca: string, auth: string, method: string, path: string, json: unknown): Promise<HeldRequest> {
  const body = Buffer.from(JSON.stringify(json));
  return new Promise((accepted, failed) => {
    const agent = new Agent({ ca, keepAlive: false });
    let answer: Promise<{ status: number; body: any }> | null = null;
    const req = request({
      host: '127.0.0.1', port, method, path, agent, servername: 'localhost',
      headers: { Authorization: auth, 'Content-Type': 'application/json', 'Content-Length': String(body.length), Expect: '100-continue' },
    });
    answer = new Promise((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          agent.destroy();
          resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) });
        });
      });
      req.on('error', (error) => {
        agent.destroy();
        reject(error);
        failed(error);
      });
    });
    req.on('continue', () => accepted({ finish: () => (req.end(body), answer!) }));
    req.flushHeaders();
  });
}

/** Every journal entry of a run, in order. */
async function journal(api: ApiClient, runId: string): Promise<any[]> {
  const response = await api.get(`/runs/${runId}/journal?per_page=1000&pretty=false`);
  expect(response.status, response.text).to.equal(200);
  return response.body;
}

/** Nothing recorded twice: dense sequence numbers, one dispatch and one end per attempt, each instance through its states once. */
function expectRecordedOnce(entries: any[], run: any): void {
  expect(entries.map((e) => e.seq)).to.deep.equal(entries.map((_, i) => i + 1));
  const key = (e: any): string => `${e.instanceId}/${e.attempt}`;
  const dispatched = entries.filter((e) => e.type === 'attempt.dispatched').map(key);
  const ended = entries.filter((e) => e.type === 'attempt.ended').map(key);
  expect(new Set(dispatched).size, 'each attempt dispatched once').to.equal(dispatched.length);
  expect(new Set(ended).size, 'each attempt ended once').to.equal(ended.length);
  expect(ended.sort()).to.deep.equal(dispatched.sort());
  const attempts = run.instances.flatMap((i: any) => i.attempts.map((a: any) => `${i.instanceId}/${a.number}`));
  expect(ended.sort()).to.deep.equal(attempts.sort());
  for (const instance of run.instances) {
    const states = entries.filter((e) => e.type === 'instance.state' && e.instanceId === instance.instanceId).map((e) => e.data.to);
    expect(states, `instance ${instance.instanceId}`).to.deep.equal(['waiting', 'running', 'completed']);
  }
}

describe('deployment: SIGTERM during a run loses nothing', function () {
  this.timeout(180_000);
  let stack: DeployStack;
  let supervisor: RoleProcess;
  let restapi: RoleProcess;
  let worker: RoleProcess;
  let admin: ApiClient;

  before(async () => {
    stack = await DeployStack.create();
    supervisor = await stack.start('supervisor');
    restapi = await stack.start('restapi');
    admin = stack.client('restapi').as(stack.admin);
    const device = await admin.post('/devices', { name: 'shutdown-board' });
    expect(device.status, device.text).to.equal(201);
    stack.vars['DEVICE_ID'] = device.body._id;
    writeFileSync(stack.secretFile('device_secret'), `${device.body.secret}\n`);
    worker = await startWorker(device.body._id);
  });

  after(async () => {
    admin?.close();
    await stack?.close();
  });

  async function startWorker(deviceId: string): Promise<RoleProcess> {
    const started = stack.spawn('worker');
    await waitFor(async () => !started.running || (await admin.get(`/devices/${deviceId}`)).body?.state === 'waiting', {
      timeoutMs: 30_000, intervalMs: 100, what: () => `the worker to be in session; its output:\n${started.output}`,
    });
    if (!started.running) throw new Error(`the worker exited:\n${started.output}`);
    return started;
  }

  it('the REST API answers every request it accepted — bodies arriving after SIGTERM included — and records each once', async () => {
    const tag = randomBytes(4).toString('hex');
    const auth = basic(stack.admin);
    expect((await admin.get('/accounts/me')).status).to.equal(200); // the admin's password check is cached from here on
    const held = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      heldRequest(stack.ports.rest, stack.ca, auth, 'POST', '/api/v1/workflows', { name: `${tag}-${i}` })));

    const exited = restapi.stop('SIGTERM');
    // The listening socket closes at once: a new connection is refused, so no request goes unanswered unseen.
    await waitFor(async () => {
      try {
        await admin.get('/health');
        return false;
      } catch {
        return true;
      }
    }, { what: 'the REST API to stop accepting connections' });
    expect(restapi.running, 'it waits for the requests it accepted').to.equal(true);
    const answers = await Promise.all(held.map((h) => h.finish()));
    expect(answers.map((a) => a.status)).to.deep.equal([201, 201, 201, 201, 201, 201]);
    expect(await exited).to.deep.equal({ code: 0, signal: null });
    expect(restapi.output).to.contain('REST API closed');

    restapi = await stack.start('restapi');
    const stored = await admin.get(`/workflows?name=${tag}-0&count=true`);
    expect(stored.headers['records-count']).to.equal('1');
    for (const [i, answer] of answers.entries()) {
      const read = await admin.get(`/workflows/${answer.body._id}`);
      expect(read.status).to.equal(200);
      expect(read.body.name).to.equal(`${tag}-${i}`);
    }
    const all = await admin.get('/workflows?per_page=1000&fields=name&pretty=false');
    expect(all.body.filter((w: { name: string }) => w.name.startsWith(`${tag}-`))).to.have.length(6);
  });

  it('a supervisor stopped mid-run and started again completes every run, each state change recorded once', async () => {
    // Steps long enough to be running when the supervisor stops, and to finish while it is away.
    const step = { language: 'nodejs' as const, entryPoint: 'index.js', files: { 'index.js': 'console.log("begin"); setTimeout(() => console.log("end"), 400);' } };
    const workflows = await Promise.all([0, 1, 2].map(() => restWorkflow(admin, [step, step, step])));
    const runs = await Promise.all(workflows.map((id) => restRun(admin, id)));
    await restRunUntil(admin, runs[0]!, (r) => r.instances.some((i: any) => i.state === 'running'), 'a step to run');

    expect(await supervisor.stop('SIGTERM')).to.deep.equal({ code: 0, signal: null });
    expect(supervisor.output).to.contain('supervisor closed');
    // The REST API still answers while no supervisor runs: the runs were stopped in the middle.
    const away = await Promise.all(runs.map(async (runId) => (await admin.get(`/runs/${runId}?pretty=false`)).body));
    expect(away.some((r) => r.status === 'running' && r.instances.some((i: any) => i.state !== 'completed'))).to.equal(true);
    supervisor = await stack.start('supervisor');

    for (const runId of runs) {
      const run = await restRunUntil(admin, runId, (r) => FINAL.includes(r.status), `run ${runId} to end`, 60_000);
      expect(run.status).to.equal('completed');
      expect(run.instances.map((i: any) => i.attempts.map((a: any) => a.status)), JSON.stringify(run.instances.map((i: any) => i.attempts))).to.deep.equal([['completed'], ['completed'], ['completed']]);
      expectRecordedOnce(await journal(admin, runId), run);
      const logs = await admin.get(`/runs/${runId}/logs?pretty=false`);
      expect(logs.body.map((c: { text: string }) => c.text).join('')).to.equal('begin\nend\n'.repeat(3));
    }
  });

  it('a worker stopped mid-attempt finishes it within its grace, reports it once; its successor runs the rest', async () => {
    const workflowId = await restWorkflow(admin, [
      { language: 'shell', entryPoint: 'run.sh', files: { 'run.sh': 'echo "long step begins"\nsleep 1.5\necho "long step ends"\n' } },
      { language: 'shell', entryPoint: 'run.sh', files: { 'run.sh': 'echo "next step"\n' } },
    ]);
    const runId = await restRun(admin, workflowId);
    await restRunUntil(admin, runId, (r) => r.instances[0].attempts[0]?.started != null, 'the long step to start');

    expect(await worker.stop('SIGTERM')).to.deep.equal({ code: 0, signal: null });
    const held = await restRunUntil(admin, runId, (r) => r.instances[0].state === 'completed', 'the long step to be recorded');
    expect(held.instances[0].attempts.map((a: any) => a.status)).to.deep.equal(['completed']);
    expect(held.instances[1].attempts).to.deep.equal([]);

    worker = await startWorker(stack.vars['DEVICE_ID']!);
    const run = await restRunUntil(admin, runId, (r) => FINAL.includes(r.status), 'the run to end');
    expect(run.status).to.equal('completed');
    expectRecordedOnce(await journal(admin, runId), run);
    const logs = await admin.get(`/runs/${runId}/logs?pretty=false`);
    expect(logs.body.map((c: { text: string }) => c.text).join('')).to.equal('long step begins\nlong step ends\nnext step\n');
  });
});
