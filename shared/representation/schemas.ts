/**
 * The documents the API returns (REST answers, socket acknowledgements and `...changed` events), as
 * zod schemas: REST documents them in `openapi.json`, `shared/protocol/clients.ts` derives the socket
 * payload types from them. Populated references (`embed`) are documented on the fields they replace.
 */
import { z } from 'zod';
import { JOURNAL_TYPES, ROLE_NAMES } from '../domain/model.js';
import { ATTEMPT_STATUSES, DEVICE_STATES, INSTANCE_STATES, RUN_STATUSES } from '../domain/states.js';
import { objectId } from '../services/fields.js';

const id = objectId;
const date = z.iso.datetime();
const populated = (what: string) => ({ description: `With embed=${what}: the document instead of the id` });

export const propertyDoc = z.object({
  _id: id,
  name: z.string(),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
});

export const dictionaryEntryDoc = z.object({
  _id: id,
  name: z.string(),
  desc: z.string(),
  parentId: id.nullable(),
  version: z.string().nullable(),
  runtime: z.string().nullable(),
});

export const accountDoc = z.object({
  _id: id,
  name: z.string(),
  email: z.string(),
  aclRoleNames: z.array(z.enum(ROLE_NAMES as unknown as ['admin', 'regular'])),
  amount: z.int().meta({ description: 'Balance in integer cents' }),
  removed: z.boolean(),
  removedDate: date.nullable(),
  created: date,
  updated: date,
});

export const workflowDoc = z.object({
  _id: id,
  accountId: id.meta(populated('account')),
  name: z.string(),
  desc: z.string(),
  worktiesInstancesIds: z.array(id).meta({ description: 'The instances in execution order; with embed=worktiesinstances: the instance documents' }),
  lastRunId: id.nullable(),
  created: date,
  updated: date,
});

const targetDoc = z.object({ deviceId: id.optional(), labels: z.array(z.string()).optional() });
const retryDoc = z.object({ maxAttempts: z.int().optional(), backoffMs: z.int().optional(), timeoutMs: z.int().optional() });

export const instanceDoc = z.object({
  _id: id,
  workflowId: id.meta(populated('workflow')),
  accountId: id,
  worktyId: id.meta(populated('workty')),
  name: z.string(),
  desc: z.string(),
  stateId: id.meta({ description: 'Dictionary entry of the state (instanceStates); with embed=state: the entry' }),
  state: z.enum(INSTANCE_STATES),
  propertiesIds: z.array(id).meta({ description: 'With embed=properties: the properties ({_id, name, value})' }),
  target: targetDoc.nullable(),
  retry: retryDoc.nullable(),
  created: date,
  updated: date,
});

export const worktyDoc = z.object({
  _id: id,
  name: z.string(),
  desc: z.string(),
  accountId: id.meta(populated('account')),
  template: z.boolean(),
  templateId: id.nullable().meta({ description: 'For an installed copy: the template it came from' }),
  typeId: id.meta(populated('type')),
  categoryId: id.meta(populated('category')),
  languageTypeId: id.meta(populated('languagetype')),
  validationStateId: id.meta(populated('validationstate')),
  entryPointModuleFileName: z.string(),
  propertiesIds: z.array(id).meta({ description: 'With embed=properties: the properties ({_id, name, value})' }),
  price: z.int().meta({ description: 'Integer cents' }),
  discountPercent: z.number(),
  version: z.string(),
  package: z.object({ hash: z.string(), size: z.int() }).nullable()
    .meta({ description: 'The package archive (SHA-256 and size); the bytes come from GET /workties/{id}/package' }),
  created: date,
  updated: date,
});

export const paymentDoc = z.object({
  _id: id,
  accountId: id,
  worktyId: id.meta({ description: 'The installed copy' }),
  templateId: id.meta({ description: 'The template that was bought' }),
  amount: z.int().meta({ description: 'Cents charged' }),
  msg: z.string(),
  created: date,
});

export const deviceDoc = z.object({
  _id: id,
  name: z.string(),
  desc: z.string(),
  labels: z.array(z.string()),
  disabled: z.boolean(),
  stateId: id.meta({ description: 'Dictionary entry of the state (deviceStates); with embed=state: the entry' }),
  state: z.enum(DEVICE_STATES),
  lastSeen: date.nullable(),
  facts: z.record(z.string(), z.unknown()).nullable().meta({ description: 'What the board reported: arch, cpus, memory, OS, runtimes, slots...' }),
  credentialIssued: date,
  created: date,
  updated: date,
});

/** A device with its secret: only in the answer that issues the secret. */
export const deviceWithSecretDoc = deviceDoc.extend({
  secret: z.string().meta({ description: 'The device secret, shown this once; give it to the worker (WORKTY_DEVICE_SECRET)' }),
});

const attemptDoc = z.object({
  number: z.int(),
  deviceId: id,
  status: z.enum(ATTEMPT_STATUSES),
  dispatched: date,
  started: date.nullable(),
  ended: date.nullable(),
  exitCode: z.int().nullable(),
  result: z.unknown(),
  error: z.string().nullable(),
});

export const runDoc = z.object({
  _id: id,
  workflowId: id,
  accountId: id,
  status: z.enum(RUN_STATUSES),
  desired: z.enum(['running', 'paused', 'stopped']),
  instances: z.array(z.object({
    instanceId: id,
    worktyId: id,
    name: z.string(),
    runtime: z.string(),
    state: z.enum(INSTANCE_STATES),
    properties: z.array(propertyDoc),
    attempts: z.array(attemptDoc),
  }).passthrough()),
  error: z.string().nullable(),
  created: date,
  started: date.nullable(),
  ended: date.nullable(),
  updated: date,
});

export const journalEntryDoc = z.object({
  runId: id,
  seq: z.int(),
  at: date,
  type: z.enum(JOURNAL_TYPES),
  instanceId: id.nullable(),
  attempt: z.int().nullable(),
  data: z.record(z.string(), z.unknown()),
});

export const logChunkDoc = z.object({
  runId: id,
  instanceId: id,
  attempt: z.int(),
  seq: z.int(),
  stream: z.enum(['stdout', 'stderr']),
  text: z.string(),
  at: date,
});

export const tokenDoc = z.object({
  _id: id,
  accountId: id,
  name: z.string(),
  expires: date,
  revoked: z.boolean(),
  created: date,
});

/** A token with its secret: only in the answer to POST /tokens. */
export const tokenWithSecretDoc = tokenDoc.extend({
  token: z.string().meta({ description: 'The token, shown this once; socket clients send it as auth: {token}' }),
});
