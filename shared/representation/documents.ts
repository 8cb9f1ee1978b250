/**
 * The API form of every stored document. Each representation copies only the fields it declares,
 * so nothing the store might carry beyond them (let alone a secret) can reach a response.
 *
 * Differences from the stored shape (all additive to the 2016 documents):
 * - instance: `stateId` (the dictionary entry of its state, 2016) plus `state` (its name);
 *   `propertiesIds` (2016) instead of the stored `properties`, whose values `embed=properties` gives;
 * - workty: `propertiesIds` likewise; `package` is `{hash, size}`, never the bytes;
 * - device: `stateId` plus `state`;
 * - run: attempts without their lease token (a worker's proof of holding the attempt).
 */
import type { DictionaryName } from '../domain/dictionaries.js';
import { dictionaryEntry, dictionaryEntryId } from '../domain/dictionaries.js';
import type {
  Account, Device, JournalEntry, Payment, Property, Run, Token, Workflow, Workty, WorktyInstance,
} from '../domain/model.js';
import type { FilterValue } from '../domain/query.js';
import { ENTITY_FIELDS } from '../domain/query.js';
import { badInput } from '../services/validation.js';
import {
  accountDoc, deviceDoc, instanceDoc, journalEntryDoc, paymentDoc, runDoc, tokenDoc, workflowDoc, worktyDoc,
} from './schemas.js';
import { dictionaryEmbed, propertiesEmbed, referenceEmbed, viewReach } from './embeds.js';
import type { ApiField, EmbedContext, Representation } from './types.js';
import { apiFields, pickApiFields } from './types.js';

/** A state given as its dictionary entry id, for filters (`stateId=...`). */
function stateIdField(dictionary: DictionaryName): ApiField {
  return {
    store: 'state',
    kind: 'id',
    read: (source: { state: string }) => dictionaryEntryId(dictionary, source.state),
    toStore: (value: FilterValue) => {
      const entry = typeof value === 'string' ? dictionaryEntry(dictionary, value) : undefined;
      if (entry === undefined) throw badInput('stateId', `stateId is not an entry of ${dictionary}`);
      return entry.name;
    },
  };
}

const propertiesIdsField: ApiField = {
  store: 'properties', kind: 'array', read: (source: { properties: Property[] }) => source.properties.map((p) => p._id),
};

async function loadAccounts(ids: string[], ctx: EmbedContext): Promise<Account[]> {
  const reach = viewReach(ctx.caller, 'accounts');
  if (reach === null) return [];
  const found = await Promise.all(ids.map((id) => ctx.store.accounts.get(id, reach.scope)));
  return found.filter((a): a is Account => a !== null);
}

async function loadWorkflows(ids: string[], ctx: EmbedContext): Promise<Workflow[]> {
  const reach = viewReach(ctx.caller, 'workflows');
  if (reach === null) return [];
  const found = await Promise.all(ids.map((id) => ctx.store.workflows.get(id, reach.scope)));
  return found.filter((w): w is Workflow => w !== null);
}

async function loadWorkties(ids: string[], ctx: EmbedContext): Promise<Workty[]> {
  const reach = viewReach(ctx.caller, 'workties');
  return reach === null ? [] : ctx.store.workties.getMany(ids, { scope: reach.scope, withTemplates: reach.withTemplates });
}

async function loadInstances(ids: string[], ctx: EmbedContext): Promise<WorktyInstance[]> {
  const reach = viewReach(ctx.caller, 'workflows');
  return reach === null ? [] : ctx.store.instances.getMany(ids, reach.scope);
}

export const accountRep: Representation<Account> = {
  entity: 'account',
  fields: apiFields(ENTITY_FIELDS.account),
  toApi(source) {
    return pickApiFields(source, this.fields);
  },
  embeds: {},
  schema: accountDoc,
};

export const workflowRep: Representation<Workflow> = {
  entity: 'workflow',
  fields: apiFields(ENTITY_FIELDS.workflow),
  toApi(source) {
    return pickApiFields(source, this.fields);
  },
  embeds: {
    account: referenceEmbed<Workflow, Account>({ field: 'accountId', target: () => accountRep, load: loadAccounts }),
    worktiesinstances: referenceEmbed<Workflow, WorktyInstance>({
      field: 'worktiesInstancesIds', many: true, target: () => instanceRep, load: loadInstances,
    }),
  },
  schema: workflowDoc,
};

const worktyRefEmbed = referenceEmbed<WorktyInstance, Workty>({ field: 'worktyId', target: () => worktyRep, load: loadWorkties });

export const instanceRep: Representation<WorktyInstance> = {
  entity: 'instance',
  fields: apiFields(ENTITY_FIELDS.instance, {
    state: { stateId: stateIdField('instanceStates'), state: { store: 'state', kind: 'string' } },
    properties: { propertiesIds: propertiesIdsField },
  }),
  toApi(source) {
    return pickApiFields(source, this.fields);
  },
  embeds: {
    workflow: referenceEmbed<WorktyInstance, Workflow>({ field: 'workflowId', target: () => workflowRep, load: loadWorkflows }),
    workty: worktyRefEmbed,
    // 2016 also read this name for the instance's workty.
    worktyinstance: worktyRefEmbed,
    state: dictionaryEmbed<WorktyInstance>('stateId', 'instanceStates'),
    properties: propertiesEmbed<WorktyInstance>(),
  },
  schema: instanceDoc,
};

export const worktyRep: Representation<Workty> = {
  entity: 'workty',
  fields: apiFields(ENTITY_FIELDS.workty, {
    properties: { propertiesIds: propertiesIdsField },
    package: {
      package: {
        store: 'package', kind: 'object',
        read: (source: Pick<Workty, 'package'>) => (source.package === null ? null : { hash: source.package.hash, size: source.package.size }),
      },
    },
  }),
  toApi(source) {
    return pickApiFields(source, this.fields);
  },
  embeds: {
    account: referenceEmbed<Workty, Account>({ field: 'accountId', target: () => accountRep, load: loadAccounts }),
    properties: propertiesEmbed<Workty>(),
    type: dictionaryEmbed<Workty>('typeId', 'worktyTypes'),
    category: dictionaryEmbed<Workty>('categoryId', 'worktyCategories'),
    languagetype: dictionaryEmbed<Workty>('languageTypeId', 'languageTypes'),
    validationstate: dictionaryEmbed<Workty>('validationStateId', 'validationStates'),
  },
  schema: worktyDoc,
};

export const paymentRep: Representation<Payment> = {
  entity: 'payment',
  fields: apiFields(ENTITY_FIELDS.payment),
  toApi(source) {
    return pickApiFields(source, this.fields);
  },
  embeds: {},
  schema: paymentDoc,
};

export const deviceRep: Representation<Device> = {
  entity: 'device',
  fields: apiFields(ENTITY_FIELDS.device, {
    state: { stateId: stateIdField('deviceStates'), state: { store: 'state', kind: 'string' } },
  }),
  toApi(source) {
    return pickApiFields(source, this.fields);
  },
  embeds: { state: dictionaryEmbed<Device>('stateId', 'deviceStates') },
  schema: deviceDoc,
};

export const runRep: Representation<Run> = {
  entity: 'run',
  fields: apiFields(ENTITY_FIELDS.run, {
    instances: {
      instances: {
        store: 'instances', kind: 'array',
        read: (source: Pick<Run, 'instances'>) => source.instances.map((instance) => ({
          ...instance,
          attempts: instance.attempts.map(({ leaseToken: _lease, leaseExpires: _expires, lastSeq: _seq, ...attempt }) => attempt),
        })),
      },
    },
  }),
  toApi(source) {
    return pickApiFields(source, this.fields);
  },
  embeds: {},
  schema: runDoc,
};

export const journalRep: Representation<JournalEntry> = {
  entity: 'journal',
  fields: apiFields(ENTITY_FIELDS.journal),
  toApi(source) {
    return pickApiFields(source, this.fields);
  },
  embeds: {},
  schema: journalEntryDoc,
};

export const tokenRep: Representation<Token> = {
  entity: 'token',
  fields: apiFields(ENTITY_FIELDS.token),
  toApi(source) {
    return pickApiFields(source, this.fields);
  },
  embeds: {},
  schema: tokenDoc,
};
