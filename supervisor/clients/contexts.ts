/**
 * Every client request, by namespace: the 2016 event names of ORIGINAL.md (plus `/runs`, which 2016
 * did not have), each on the use case REST serves for the same operation. See docs/socket-api.md.
 */
import type { ClientContext } from '../../shared/protocol/clients.js';
import type { Services, TokenUseCases } from '../../shared/services/index.js';
import { badInput } from '../../shared/services/validation.js';
import type { Fields } from './payload.js';
import { asOptions, entity, onlyKeys, optionalEntity, take, takeId } from './payload.js';
import type { ClientRequest } from './requests.js';
import { READ_OPTIONS, createRequest, idRequest, listRequest, readRequest, updateRequest } from './requests.js';

/** The use cases the client sockets serve: those of REST (tokens included). */
export interface ClientServices extends Services {
  tokens: TokenUseCases;
}

/** `{workflow: {id, worktyInstance: {id, ...rest}}}` → the two ids and what is left of the instance. */
function instanceOf(fields: Fields, allowedInWorkflow: readonly string[] = ['worktyInstance']) {
  onlyKeys(fields, ['workflow']);
  const workflow = entity(fields, 'workflow');
  const id = takeId(workflow, 'workflow');
  onlyKeys(workflow, allowedInWorkflow, 'workflow.');
  const instance = entity(workflow, 'worktyInstance', 'workflow.');
  const iid = takeId(instance, 'workflow.worktyInstance');
  return { id, iid, instance };
}

function workflowRequests(s: ClientServices): ClientRequest[] {
  return [
    listRequest('sv.workflow.refresh.all', s.workflows.list, 'workflows'),
    readRequest('sv.workflow.refresh', s.workflows.get, 'workflow'),
    createRequest('sv.workflow.add', s.workflows.create, 'workflow'),
    updateRequest('sv.workflow.upd', s.workflows.update, 'workflow'),
    idRequest('sv.workflow.del', s.workflows.delete, 'workflow'),
    idRequest('sv.workflow.run', s.runs.run, 'workflow', { ackKey: 'run' }),
    idRequest('sv.workflow.pause', s.runs.pause, 'workflow', { ackKey: 'run' }),
    idRequest('sv.workflow.stop', s.runs.stop, 'workflow', { ackKey: 'run' }),
    {
      event: 'sv.workflow.add.workty.instance', useCase: s.instances.add,
      read(fields) {
        onlyKeys(fields, ['workflow', 'workty']);
        const workflow = entity(fields, 'workflow');
        const id = takeId(workflow, 'workflow');
        onlyKeys(workflow, ['worktyInstance'], 'workflow.');
        const body = optionalEntity(workflow, 'worktyInstance', 'workflow.') ?? {};
        const workty = optionalEntity(fields, 'workty');
        if (workty !== undefined) {
          const worktyId = takeId(workty, 'workty');
          onlyKeys(workty, [], 'workty.');
          if (body.worktyId !== undefined && body.worktyId !== worktyId) {
            throw badInput('workty.id', 'workty.id and workflow.worktyInstance.worktyId differ: give one');
          }
          body.worktyId = worktyId;
        }
        return { params: { id }, body };
      },
      answer: (doc: unknown) => ({ worktyInstance: doc }),
    },
    {
      event: 'sv.workflow.upd.workty.instance', useCase: s.instances.update,
      read(fields) {
        const { id, iid, instance } = instanceOf(fields);
        return { params: { id, iid }, body: instance };
      },
      answer: (doc: unknown) => ({ worktyInstance: doc }),
    },
    {
      event: 'sv.workflow.del.workty.instance', useCase: s.instances.delete,
      read(fields) {
        const { id, iid, instance } = instanceOf(fields);
        onlyKeys(instance, [], 'workflow.worktyInstance.');
        return { params: { id, iid } };
      },
      answer: (deleted: unknown) => ({ worktyInstance: deleted }),
    },
    {
      event: 'sv.workflow.upd.workty.instance.property', useCase: s.instances.updateProperty,
      read(fields) {
        const { id, iid, instance } = instanceOf(fields);
        onlyKeys(instance, ['property'], 'workflow.worktyInstance.');
        const property = entity(instance, 'property', 'workflow.worktyInstance.');
        const pid = takeId(property, 'workflow.worktyInstance.property');
        return { params: { id, iid, pid }, body: property };
      },
      answer: (property: unknown) => ({ property }),
    },
  ];
}

/** `{workty: {id, property: {...}}}` → the workty's id and the property object. */
function worktyPropertyOf(fields: Fields) {
  onlyKeys(fields, ['workty']);
  const workty = entity(fields, 'workty');
  const id = takeId(workty, 'workty');
  onlyKeys(workty, ['property'], 'workty.');
  return { id, property: entity(workty, 'property', 'workty.') };
}

/** socket.io carries binary: a package sent as a Buffer is read as REST reads base64. */
function withTextPackage(body: Fields): Fields {
  const code = body.compressedCode;
  if (code instanceof Uint8Array) body.compressedCode = Buffer.from(code).toString('base64');
  return body;
}

function worktyRequests(s: ClientServices): ClientRequest[] {
  const add = createRequest('sv.workty.add', s.workties.create, 'workty');
  const upd = updateRequest('sv.workty.upd', s.workties.update, 'workty');
  return [
    listRequest('sv.workty.refresh.all', s.workties.list, 'workties'),
    readRequest('sv.workty.refresh', s.workties.get, 'workty'),
    { ...add, read: (fields) => { const inputs = add.read(fields); return { ...inputs, body: withTextPackage(inputs.body as Fields) }; } },
    { ...upd, read: (fields) => { const inputs = upd.read(fields); return { ...inputs, body: withTextPackage(inputs.body as Fields) }; } },
    idRequest('sv.workty.del', s.workties.delete, 'workty'),
    {
      event: 'sv.workty.refresh.all.properties', useCase: s.workties.get,
      read(fields) {
        onlyKeys(fields, ['workty']);
        const workty = entity(fields, 'workty');
        const id = takeId(workty, 'workty');
        onlyKeys(workty, [], 'workty.');
        return { params: { id }, query: { embed: 'properties' } };
      },
      answer: (doc: unknown) => ({ workty: doc }),
    },
    {
      event: 'sv.workty.add.property', useCase: s.workties.addProperty,
      read(fields) {
        const { id, property } = worktyPropertyOf(fields);
        return { params: { id }, body: property };
      },
      answer: (property: unknown) => ({ property }),
    },
    {
      event: 'sv.workty.upd.property', useCase: s.workties.updateProperty,
      read(fields) {
        const { id, property } = worktyPropertyOf(fields);
        const pid = takeId(property, 'workty.property');
        return { params: { id, pid }, body: property };
      },
      answer: (property: unknown) => ({ property }),
    },
    {
      event: 'sv.workty.del.property', useCase: s.workties.deleteProperty,
      read(fields) {
        const { id, property } = worktyPropertyOf(fields);
        const pid = takeId(property, 'workty.property');
        onlyKeys(property, [], 'workty.property.');
        return { params: { id, pid } };
      },
      answer: (deleted: unknown) => ({ property: deleted }),
    },
    {
      event: 'sv.workty.refresh.dictionary', useCase: s.dictionaries.get,
      read(fields) {
        onlyKeys(fields, ['dictionary']);
        const dictionary = entity(fields, 'dictionary');
        const params = take(dictionary, ['name']);
        onlyKeys(dictionary, [], 'dictionary.');
        return { params };
      },
      answer: (entries: unknown) => ({ entries }),
    },
  ];
}

function runRequests(s: ClientServices): ClientRequest[] {
  /** `{run: {id}, ...list options}` */
  const runWithOptions = (fields: Fields, allowed?: readonly string[]) => {
    const run = entity(fields, 'run');
    delete fields.run;
    if (allowed !== undefined) onlyKeys(fields, allowed);
    const id = takeId(run, 'run');
    return { id, run };
  };
  return [
    {
      event: 'sv.run.refresh.all', useCase: s.runs.list,
      read(fields) {
        const workflow = entity(fields, 'workflow');
        delete fields.workflow;
        const id = takeId(workflow, 'workflow');
        onlyKeys(workflow, [], 'workflow.');
        return { params: { id }, query: asOptions(fields) };
      },
      answer: (result: { docs: unknown[]; total: number | null }) => ({ runs: result.docs, total: result.total }),
    },
    {
      event: 'sv.run.refresh', useCase: s.runs.get,
      read(fields) {
        const { id, run } = runWithOptions(fields, READ_OPTIONS);
        onlyKeys(run, [], 'run.');
        return { params: { id }, query: asOptions(fields) };
      },
      answer: (doc: unknown) => ({ run: doc }),
    },
    {
      event: 'sv.run.journal', useCase: s.runs.journal,
      read(fields) {
        const { id, run } = runWithOptions(fields);
        onlyKeys(run, [], 'run.');
        return { params: { id }, query: asOptions(fields) };
      },
      answer: (result: { docs: unknown[]; total: number | null }) => ({ journal: result.docs, total: result.total }),
    },
    {
      event: 'sv.run.logs', useCase: s.runs.logs,
      read(fields) {
        const { id, run } = runWithOptions(fields, []);
        const filter = take(run, ['instance', 'attempt']);
        onlyKeys(run, [], 'run.');
        return { params: { id }, query: asOptions(filter) };
      },
      answer: (logs: unknown) => ({ logs }),
    },
  ];
}

/** The requests of each namespace. */
export function clientRequests(s: ClientServices): Record<ClientContext, ClientRequest[]> {
  return {
    accounts: [
      listRequest('sv.account.refresh.all', s.accounts.list, 'accounts'),
      readRequest('sv.account.refresh', s.accounts.get, 'account'),
      createRequest('sv.account.add', s.accounts.create, 'account'),
      updateRequest('sv.account.upd', s.accounts.update, 'account'),
      idRequest('sv.account.del', s.accounts.delete, 'account', { options: ['removing'] }),
      // Tokens for socket clients (REST: /tokens): the caller's own; admins see and revoke everyone's.
      listRequest('sv.account.refresh.all.tokens', s.tokens.list, 'tokens'),
      createRequest('sv.account.add.token', s.tokens.create, 'token'),
      idRequest('sv.account.del.token', s.tokens.revoke, 'token'),
    ],
    workflows: workflowRequests(s),
    workties: worktyRequests(s),
    devices: [
      listRequest('sv.device.refresh.all', s.devices.list, 'devices'),
      readRequest('sv.device.refresh', s.devices.get, 'device'),
      createRequest('sv.device.add', s.devices.create, 'device'),
      updateRequest('sv.device.upd', s.devices.update, 'device'),
      idRequest('sv.device.del', s.devices.delete, 'device'),
      idRequest('sv.device.rotate.credential', s.devices.rotateCredential, 'device'),
    ],
    payments: [
      listRequest('sv.payment.refresh.all', s.payments.list, 'payments'),
      readRequest('sv.payment.refresh', s.payments.get, 'payment'),
      createRequest('sv.payment.add', s.payments.create, 'payment'),
      updateRequest('sv.payment.upd', s.payments.update, 'payment'),
      idRequest('sv.payment.del', s.payments.delete, 'payment'),
    ],
    runs: runRequests(s),
  };
}
