/**
 * Type test of the client protocol (as socket.io's `test-d`): this file only has to compile
 * (`npm run build`); each `@ts-expect-error` line must be an error, or the build fails.
 */
import type { Socket } from 'socket.io-client';
import type {
  Ack, ChangedPayload, ClientAuth, ClientProtocol, RunChanged, WorkflowChanged, WorkflowsClientEvents, WorkflowsServerEvents,
} from '../../../shared/protocol/clients.js';
import type { ClientNamespace } from '../../../supervisor/clients/namespaces.js';

type Workflows = Socket<WorkflowsServerEvents, WorkflowsClientEvents>;
declare const workflows: Workflows;
declare const runs: Socket<ClientProtocol['runs']['server'], ClientProtocol['runs']['client']>;
declare const accounts: Socket<ClientProtocol['accounts']['server'], ClientProtocol['accounts']['client']>;
declare const devices: Socket<ClientProtocol['devices']['server'], ClientProtocol['devices']['client']>;
declare const workties: Socket<ClientProtocol['workties']['server'], ClientProtocol['workties']['client']>;

export async function requests(): Promise<void> {
  // Payloads keep the 2016 shapes; acknowledgements carry the documents.
  const added = await workflows.emitWithAck('sv.workflow.add', { workflow: { name: 'wf', desc: 'd' }, requestId: 'r1' });
  if (added.err === null) {
    const name: string = added.workflow.name;
    const id: string = added.workflow._id;
    void [name, id];
  } else {
    const status: number = added.err.statusCode;
    void status;
    // @ts-expect-error a failed acknowledgement carries no workflow
    void added.workflow;
  }
  await workflows.emitWithAck('sv.workflow.upd', { workflow: { id: 'x', name: 'renamed' } });
  await workflows.emitWithAck('sv.workflow.upd', { workflow: { _id: 'x', desc: 'either id works' } });
  const run = await workflows.emitWithAck('sv.workflow.run', { workflow: { id: 'x' } });
  if (run.err === null) void run.run.status;
  const list = await workflows.emitWithAck('sv.workflow.refresh.all', { sort: '-created', per_page: 10 });
  if (list.err === null) void [list.workflows.length, list.total];
  await workflows.emitWithAck('sv.workflow.add.workty.instance', { workflow: { id: 'w', worktyInstance: { name: 'i' } }, workty: { id: 'k' } });
  await workflows.emitWithAck('sv.workflow.upd.workty.instance.property', { workflow: { id: 'w', worktyInstance: { id: 'i', property: { id: 'p', value: 3 } } } });

  // @ts-expect-error an unknown event of the namespace
  await workflows.emitWithAck('sv.workflow.explode', {});
  // @ts-expect-error an event of another namespace
  await workflows.emitWithAck('sv.device.refresh.all', {});
  // @ts-expect-error the entity goes under its 2016 key
  await workflows.emitWithAck('sv.workflow.add', { name: 'wf' });
  // @ts-expect-error a workflow's name is text
  await workflows.emitWithAck('sv.workflow.add', { workflow: { name: 42 } });
  // @ts-expect-error an update names the workflow
  await workflows.emitWithAck('sv.workflow.upd', { workflow: { name: 'which one?' } });
  // @ts-expect-error requestId is a string or a number
  await workflows.emitWithAck('sv.workflow.del', { workflow: { id: 'x' }, requestId: { id: 1 } });

  // A list of a run or workflow takes list options beside the entity.
  const history = await runs.emitWithAck('sv.run.refresh.all', { workflow: { id: 'w' }, sort: '-created', per_page: 20, count: true });
  if (history.err === null) void history.runs.map((r) => r.status);
  await runs.emitWithAck('sv.run.journal', { run: { id: 'r' }, sort: 'seq', per_page: 1000 });
  // @ts-expect-error the run is named
  await runs.emitWithAck('sv.run.journal', { sort: 'seq' });
  const logs = await runs.emitWithAck('sv.run.logs', { run: { id: 'r', attempt: 1 } });
  if (logs.err === null) void logs.logs.map((chunk) => chunk.text);

  // The dashboard's additions: a token shown once, a rotated device secret shown once, dictionaries.
  const token = await accounts.emitWithAck('sv.account.add.token', { token: { name: 'dashboard', ttl: 600 } });
  if (token.err === null) void [token.token.token, token.token.expires];
  // @ts-expect-error a token's lifetime is a number of seconds
  await accounts.emitWithAck('sv.account.add.token', { token: { ttl: '10m' } });
  const tokens = await accounts.emitWithAck('sv.account.refresh.all.tokens', {});
  // @ts-expect-error lists never carry the token itself
  if (tokens.err === null) void tokens.tokens[0]?.token;
  const rotated = await devices.emitWithAck('sv.device.rotate.credential', { device: { id: 'd' } });
  if (rotated.err === null) void rotated.device.secret;
  const languages = await workties.emitWithAck('sv.workty.refresh.dictionary', { dictionary: { name: 'languageTypes' } });
  if (languages.err === null) void languages.entries.map((entry) => entry.runtime);
}

export function events(): void {
  workflows.on('sv.workflow.changed', (payload) => {
    if (payload.op !== undefined) {
      const change: WorkflowChanged = payload;
      if ('worktyInstance' in change && !('deleted' in change.worktyInstance)) void change.worktyInstance.state;
      if ('run' in change && !('deleted' in change.run)) void change.run.status;
    }
  });
  workflows.on('sv.session.ended', ({ code }) => {
    const known: 'token-revoked' | 'token-expired' | 'account-removed' | 'password-changed' | 'shutting-down' = code;
    void known;
  });
  runs.on('sv.run.changed', (payload) => {
    if (payload.op !== undefined) {
      const change: RunChanged = payload;
      void change.journal.map((entry) => entry.seq);
    } else {
      const request: string = payload.event;
      void request;
    }
  });
  // @ts-expect-error /workflows does not send device changes
  workflows.on('sv.device.changed', () => undefined);
}

export function handshake(): ClientAuth[] {
  // @ts-expect-error auth is {email, password} or {token}
  const wrong: ClientAuth = { email: 'a@b.c' };
  void wrong;
  return [{ email: 'a@b.c', password: 'secret' }, { token: 't' }];
}

export function server(ns: ClientNamespace<'workflows'>, payload: ChangedPayload<'workflows'>, ack: Ack<{ n: number }>): void {
  // The supervisor's namespaces are typed by the same maps.
  ns.local.to('admins').emit('sv.workflow.changed', payload);
  // @ts-expect-error the server does not emit client requests
  ns.emit('sv.workflow.add', { workflow: { name: 'x' } });
  void ack;
}
