/**
 * Several supervisor processes on one SQLite store: each follows the change feed for its own
 * sockets, so a client on any of them gets each change it may see exactly once — as separate
 * processes, and as node cluster workers linked by `@socket.io/cluster-adapter`
 * (`dist/supervisor/cluster.js`), where a change made through one supervisor reaches the clients of
 * the others at once (the adapter carries the "read the feed now"), not at their next poll.
 */
import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestUser } from '../../lib/restapi.js';
import { ClientHarness, type ClientSocket } from '../../lib/client-harness.js';
import { collect, expectAckOk, next } from '../../lib/socket-assert.js';
import { FAST_SUPERVISOR_ENV, SupervisorProcess, freePort } from '../../lib/supervisor-process.js';

type Changes = Array<{ op: string; workflow: { name: string; accountId: string } }>;

describe('client sockets: several supervisors', function () {
  this.timeout(90_000);
  let t: ClientHarness;
  let alice: TestUser;

  before(async function () {
    t = await ClientHarness.start();
    alice = await t.createUser();
  });

  after(async function () {
    await t?.close();
  });

  afterEach(function () {
    t.closeSockets();
  });

  /** Alice's names, as each client heard them. */
  const names = (changes: Changes) => changes.map((c) => c.workflow.name);

  it('two supervisor processes: a client on each gets each change once, whoever made it', async function () {
    const supervisors = [
      new SupervisorProcess(t.rest.dataDir, await freePort()),
      new SupervisorProcess(t.rest.dataDir, await freePort()),
    ];
    try {
      await Promise.all(supervisors.map((s) => s.start()));
      const clients = await Promise.all(supervisors.map((s) => t.connect('workflows', t.auth(alice), { url: s.url })));
      const heard = clients.map((c) => collect(c, 'sv.workflow.changed') as Changes);
      const made: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        made.push(t.unique('rest'));
        await alice.api.post('/workflows', { name: made.at(-1) });
        for (const client of clients) {
          made.push(t.unique(`socket-${clients.indexOf(client)}`));
          expectAckOk(await t.request(client, 'sv.workflow.add', { workflow: { name: made.at(-1) } }));
        }
      }
      const marker = t.unique('marker');
      const markers = clients.map((c) => next(c, 'sv.workflow.changed', (p: any) => p.workflow?.name === marker, 20_000));
      await alice.api.post('/workflows', { name: marker });
      await Promise.all(markers);
      for (const list of heard) expect(names(list)).to.deep.equal([...made, marker]);
    } finally {
      await Promise.all(supervisors.map((s) => s.kill('SIGTERM')));
    }
  });

  it('node cluster workers linked by the cluster adapter: changes through one reach the others at once, once', async function () {
    const basePort = await freePort();
    // The feed is polled once a minute here: only the adapter's relay can make a change arrive sooner.
    const cluster = await startCluster(t.rest.dataDir, basePort, { WORKTY_CHANGE_FEED_POLL: '60s' });
    try {
      expect(cluster.urls).to.have.length(2);
      const clients = await Promise.all(cluster.urls.map((url) => t.connect('workflows', t.auth(alice), { url })));
      const heard = clients.map((c) => collect(c, 'sv.workflow.changed') as Changes);
      const made: string[] = [];
      for (const [index, client] of clients.entries()) {
        const name = t.unique(`via-${index}`);
        made.push(name);
        // Each change is awaited on every client within 10 s, far below the 60 s poll.
        const everywhere = clients.map((c) => next(c, 'sv.workflow.changed', (p: any) => p.workflow?.name === name, 10_000));
        expectAckOk(await t.request(client, 'sv.workflow.add', { workflow: { name } }));
        await Promise.all(everywhere);
      }
      const marker = t.unique('marker');
      const markers = clients.map((c) => next(c, 'sv.workflow.changed', (p: any) => p.workflow?.name === marker, 10_000));
      expectAckOk(await t.request(clients[1]!, 'sv.workflow.add', { workflow: { name: marker } }));
      await Promise.all(markers);
      for (const list of heard) expect(names(list)).to.deep.equal([...made, marker]);
    } finally {
      await cluster.stop();
    }
  });
});

interface Cluster {
  urls: string[];
  stop(): Promise<void>;
}

/** `dist/supervisor/cluster.js` with two supervisors, on `basePort` and the next port. */
async function startCluster(dataDir: string, basePort: number, env: NodeJS.ProcessEnv): Promise<Cluster> {
  const script = fileURLToPath(new URL('../../../supervisor/cluster.js', import.meta.url));
  let output = '';
  const child: ChildProcess = fork(script, [], {
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, ...FAST_SUPERVISOR_ENV, ...env, WORKTY_DATA_DIR: dataDir,
      WORKTY_SUPERVISOR_HOST: '127.0.0.1', WORKTY_SUPERVISOR_PORT: String(basePort), WORKTY_SUPERVISOR_PROCESSES: '2',
    },
    execArgv: ['--disable-warning=DEP0111'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const urls = await new Promise<string[]>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the cluster exited (${code}):\n${output}`)));
    child.on('message', (message: { type?: string; urls?: string[] }) => {
      if (message.type === 'ready') resolve(message.urls ?? []);
    });
  });
  return {
    urls,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
