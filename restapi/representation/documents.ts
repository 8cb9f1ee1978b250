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
import type { DictionaryName } from '../../shared/domain/dictionaries.js';
import { dictionaryEntry, dictionaryEntryId } from '../../shared/domain/dictionaries.js';
import type {
  Account, Device, JournalEntry, Payment, Run, Token, Workflow, Workty, WorktyInstance,
} from '../../shared/domain/model.js';
import type { FilterValue } from '../../shared/domain/query.js';
import { ENTITY_FIELDS } from '../../shared/domain/query.js';
import { badInput } from '../http/errors.js';
import {
  accountDoc, deviceDoc, instanceDoc, journalEntryDoc, paymentDoc, runDoc, tokenDoc, workflowDoc, worktyDoc,
} from '../schemas/documents.js';
import { dictionaryEmbed, propertiesEmbed, referenceEmbed, viewReach } from './embeds.js';
import type { ApiDoc, ApiField, EmbedContext, Representation } from './types.js';
import { sameFields } from './types.js';

function pick(source: object, fields: Record<string, ApiField>): ApiDoc {
  const out: ApiDoc = {};
  for (const name of Object.keys(fields)) {
    if (Object.hasOwn(source, name)) out[name] = (source as Record<string, unknown>)[name];
  }
  return out;
}

/** A state given as its dictionary entry id, for filters (`stateId=...`). */
function stateIdField(dictionary: DictionaryName): ApiField {
  return {
    store: 'state',
    kind: 'id',
    toStore: (value: FilterValue) => {
      const entry = typeof value === 'string' ? dictionaryEntry(dictionary, value) : undefined;
      if (entry === undefined) throw badInput('stateId', `stateId is not an entry of ${dictionary}`);
      return entry.name;
    },
  };
}

function without<T extends Record<string, unknown>>(fields: T, ...names: string[]): Record<string, ApiField> {
  const all = sameFields(fields as Record<string, never>);
  for (const name of names) delete all[name];
  return all;
}

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
  fields: sameFields(ENTITY_FIELDS.account),
  toApi(source) {
    return pick(source, this.fields);
  },
  embeds: {},
  schema: accountDoc,
};

export const workflowRep: Representation<Workflow> = {
  entity: 'workflow',
  fields: sameFields(ENTITY_FIELDS.workflow),
  toApi(source) {
    return pick(source, this.fields);
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
  fields: {
    ...without(ENTITY_FIELDS.instance, 'state', 'properties'),
    stateId: stateIdField('instanceStates'),
    state: { store: 'state', kind: 'string' },
    propertiesIds: { store: 'properties', kind: 'array' },
  },
  toApi(source) {
    const out = pick(source, this.fields);
    if (source.state !== undefined) {
      out.stateId = dictionaryEntryId('instanceStates', source.state);
      out.state = source.state;
    }
    if (source.properties !== undefined) out.propertiesIds = source.properties.map((p) => p._id);
    return out;
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
  fields: { ...without(ENTITY_FIELDS.workty, 'properties'), propertiesIds: { store: 'properties', kind: 'array' } },
  toApi(source) {
    const out = pick(source, this.fields);
    if (source.properties !== undefined) out.propertiesIds = source.properties.map((p) => p._id);
    if (source.package !== undefined) out.package = source.package === null ? null : { hash: source.package.hash, size: source.package.size };
    return out;
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
  fields: sameFields(ENTITY_FIELDS.payment),
  toApi(source) {
    return pick(source, this.fields);
  },
  embeds: {},
  schema: paymentDoc,
};

export const deviceRep: Representation<Device> = {
  entity: 'device',
  fields: { ...sameFields(ENTITY_FIELDS.device), stateId: stateIdField('deviceStates') },
  toApi(source) {
    const out = pick(source, this.fields);
    if (source.state !== undefined) out.stateId = dictionaryEntryId('deviceStates', source.state);
    return out;
  },
  embeds: { state: dictionaryEmbed<Device>('stateId', 'deviceStates') },
  schema: deviceDoc,
};

export const runRep: Representation<Run> = {
  entity: 'run',
  fields: sameFields(ENTITY_FIELDS.run),
  toApi(source) {
    const out = pick(source, this.fields);
    if (source.instances !== undefined) {
      out.instances = source.instances.map((instance) => ({
        ...instance,
        attempts: instance.attempts.map(({ leaseToken: _lease, leaseExpires: _expires, lastSeq: _seq, ...attempt }) => attempt),
      }));
    }
    return out;
  },
  embeds: {},
  schema: runDoc,
};

export const journalRep: Representation<JournalEntry> = {
  entity: 'journal',
  fields: sameFields(ENTITY_FIELDS.journal),
  toApi(source) {
    return pick(source, this.fields);
  },
  embeds: {},
  schema: journalEntryDoc,
};

export const tokenRep: Representation<Token> = {
  entity: 'token',
  fields: sameFields(ENTITY_FIELDS.token),
  toApi(source) {
    return pick(source, this.fields);
  },
  embeds: {},
  schema: tokenDoc,
};
