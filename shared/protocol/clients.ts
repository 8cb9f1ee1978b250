/**
 * The socket.io API for clients (dashboards, scripts, other services), served by the supervisor over
 * WSS: one namespace per context, the 2016 event names and payload shapes (`ORIGINAL.md`), and the
 * same documents as REST. Written down in docs/socket-api.md; these types are the single source of
 * both ends (they parameterise the supervisor's namespaces and a client's `Socket`).
 *
 * - Handshake: `auth: {email, password}` or `auth: {token}` (from `POST /api/v1/tokens`); a refusal is
 *   a `connect_error` whose message says why and whose `data` is a `ClientRefusal`.
 * - Requests: `<prefix>.<verb>` with `{<entity>: {...}, requestId?}`; each is answered by an
 *   acknowledgement `{err, requestId, <entity>}`. A request sent without an acknowledgement callback
 *   (a 2016 client) is answered by a `<prefix>changed` to that socket only, with `event` naming it.
 * - Live: every committed change the socket's account may see arrives as `<prefix>changed`.
 */
import type { z } from 'zod';
import type { FieldError } from '../domain/errors.js';
import type {
  accountDoc, deviceDoc, deviceWithSecretDoc, dictionaryEntryDoc, instanceDoc, journalEntryDoc, logChunkDoc, paymentDoc, propertyDoc,
  runDoc, tokenDoc, tokenWithSecretDoc, workflowDoc, worktyDoc,
} from '../representation/schemas.js';
import type { accountUpdate, newAccount } from '../services/accounts.js';
import type { deviceUpdate, newDevice } from '../services/devices.js';
import type { propertyInput, propertyPatch } from '../services/fields.js';
import type { instanceUpdate, newInstance } from '../services/instances.js';
import type { newPayment, paymentUpdate } from '../services/payments.js';
import type { newWorkflow, workflowUpdate } from '../services/workflows.js';
import type { newWorkty, worktyUpdate } from '../services/workties.js';

/** The client namespaces, by context. */
export const CLIENT_NAMESPACES = {
  accounts: '/accounts',
  workflows: '/workflows',
  workties: '/workties',
  devices: '/devices',
  payments: '/payments',
  runs: '/runs',
} as const;
export type ClientContext = keyof typeof CLIENT_NAMESPACES;

// ---------------------------------------------------------------------------------------------
// Handshake and session

/** Sent as socket.io `auth`: a password login, or a token from `POST /api/v1/tokens`. */
export type ClientAuth = { email: string; password: string } | { token: string };

export const CLIENT_REFUSAL_CODES = [
  'auth-required', 'bad-credentials', 'account-removed', 'invalid-token', 'throttled', 'unavailable', 'unknown-namespace',
] as const;
/**
 * Why a handshake was refused (`connect_error.data.code`):
 * - `auth-required`: no `auth`, or neither `{email, password}` nor `{token}`;
 * - `bad-credentials`: unknown email or wrong password;
 * - `account-removed`: the right password of a removed account;
 * - `invalid-token`: the token is unknown, expired or revoked;
 * - `throttled`: too many failed logins for the email or from the address (`retryAfterSeconds`);
 * - `unavailable`: the supervisor cannot check credentials now (store down, shutting down); retry soon;
 * - `unknown-namespace`: the main namespace `/` serves nothing: connect to one of `CLIENT_NAMESPACES`.
 */
export type ClientRefusalCode = (typeof CLIENT_REFUSAL_CODES)[number];

/** `connect_error.data` of a refused handshake; the error's message says why in words. */
export interface ClientRefusal {
  code: ClientRefusalCode;
  /** For `throttled` and `unavailable`: how long to wait before trying again. */
  retryAfterSeconds?: number;
}

export const SESSION_END_CODES = ['token-revoked', 'token-expired', 'account-removed', 'password-changed', 'shutting-down'] as const;
/**
 * Why the server ended a session (`sv.session.ended`, sent just before it disconnects the socket):
 * - `token-revoked`, `token-expired`: the token the socket logged in with stopped working;
 * - `account-removed`: the account was removed or deleted;
 * - `password-changed`: the password the socket logged in with was changed (token sessions go on:
 *   their token still works);
 * - `shutting-down`: the supervisor is stopping; reconnect (socket.io does) to another or later.
 */
export type SessionEndCode = (typeof SESSION_END_CODES)[number];

export interface SessionEnded {
  code: SessionEndCode;
  reason: string;
}

// ---------------------------------------------------------------------------------------------
// Documents (the REST representation)

export type AccountDoc = z.infer<typeof accountDoc>;
export type WorkflowDoc = z.infer<typeof workflowDoc>;
export type InstanceDoc = z.infer<typeof instanceDoc>;
export type PropertyDoc = z.infer<typeof propertyDoc>;
export type WorktyDoc = z.infer<typeof worktyDoc>;
export type PaymentDoc = z.infer<typeof paymentDoc>;
export type DeviceDoc = z.infer<typeof deviceDoc>;
export type DeviceWithSecretDoc = z.infer<typeof deviceWithSecretDoc>;
export type RunDoc = z.infer<typeof runDoc>;
export type JournalEntryDoc = z.infer<typeof journalEntryDoc>;
export type LogChunkDoc = z.infer<typeof logChunkDoc>;
export type TokenDoc = z.infer<typeof tokenDoc>;
export type TokenWithSecretDoc = z.infer<typeof tokenWithSecretDoc>;
export type DictionaryEntryDoc = z.infer<typeof dictionaryEntryDoc>;

/** A deleted document (2016: `{id, deleted: true}`). */
export interface DeletedDoc {
  _id: string;
  deleted: true;
}

/** What `/workflows` carries of a run: its state, not its instances (those arrive as `worktyInstance`). */
export type RunSummaryDoc = Pick<RunDoc, '_id' | 'workflowId' | 'accountId' | 'status' | 'desired' | 'error' | 'created' | 'started' | 'ended' | 'updated'>;

// ---------------------------------------------------------------------------------------------
// Requests and acknowledgements

/** Echoed in the acknowledgement (null when the request gave none). */
export type RequestId = string | number;

/** The error of a refused request: the REST status and the 2016 code. */
export interface AckError {
  statusCode: number;
  code: number;
  message: string;
  /** Validation failures, one per field. */
  errors?: FieldError[];
}

export type AckFailure = { err: AckError; requestId: RequestId | null };
/** `{err: null, requestId, ...result}` or `{err, requestId}`. */
export type Ack<T> = ({ err: null; requestId: RequestId | null } & T) | AckFailure;
export type AckCallback<T> = (ack: Ack<T>) => void;

/** A document's identifier: `id` (2016) or `_id`. */
export type IdRef = { id: string } | { _id: string };

interface WithRequestId {
  requestId?: RequestId;
}

/**
 * The list conventions of REST's query string (`sort`, `fields`, `page_num`, `per_page`, `count`,
 * `embed`, equality filters on known fields), as values (numbers and booleans are read as their text).
 */
export type ListOptions = Record<string, string | number | boolean>;
/**
 * List options beside the entity a list belongs to (`{workflow: {id}, sort: '-created'}`): an
 * intersection with `ListOptions` could not be satisfied, its index signature refusing the entity.
 */
export type ListOptionsOf<K extends string> = Entity<K, IdRef> & { [option: string]: string | number | boolean | IdRef };
/** `fields` and `embed` of a single read. */
export interface ReadOptions {
  fields?: string;
  embed?: string;
}

/** The answer to a `refresh.all`: the page of documents, and with `count: true` the total. */
export type ListAck<K extends string, D> = { [P in K]: D[] } & { total: number | null };

type Entity<K extends string, T> = { [P in K]: T };
type Request<T> = WithRequestId & T;
type Handler<P, A> = (payload: P, ack: AckCallback<A>) => void;

type In<S extends z.ZodType> = z.input<S>;

/** A `<prefix>changed` broadcast: a committed change, in commit order. */
export type ChangeOp = 'created' | 'updated' | 'deleted';
interface Broadcast {
  err: null;
  op: ChangeOp;
  event?: undefined;
}
/**
 * The answer to a request sent without an acknowledgement callback, on `<prefix>changed`: the
 * acknowledgement it would have had, with `event` naming the request (`op` tells broadcasts apart).
 */
export type NoAckReply = Ack<Record<string, unknown>> & { event: string; op?: undefined };

// ---------------------------------------------------------------------------------------------
// /accounts

export interface AccountsClientEvents {
  'sv.account.refresh.all': Handler<Request<ListOptions>, ListAck<'accounts', AccountDoc>>;
  /** `id` may be `me`. */
  'sv.account.refresh': Handler<Request<Entity<'account', IdRef> & ReadOptions>, Entity<'account', AccountDoc>>;
  'sv.account.add': Handler<Request<Entity<'account', In<typeof newAccount>>>, Entity<'account', AccountDoc>>;
  'sv.account.upd': Handler<Request<Entity<'account', IdRef & In<typeof accountUpdate>>>, Entity<'account', AccountDoc>>;
  /** `removing: true` deletes the account with everything it owns; otherwise a soft delete. */
  'sv.account.del': Handler<Request<Entity<'account', IdRef & { removing?: boolean }>>, Entity<'account', DeletedDoc>>;
  /** Socket tokens (never the tokens themselves): the caller's, or (admins) everyone's. */
  'sv.account.refresh.all.tokens': Handler<Request<ListOptions>, ListAck<'tokens', TokenDoc>>;
  /**
   * A token for the caller (for `auth: {token}`), expiring after `ttl` seconds (default and most:
   * `WORKTY_TOKEN_TTL`); the answer carries it (`token.token`), this once.
   */
  'sv.account.add.token': Handler<Request<Entity<'token', { name?: string; ttl?: number }>>, Entity<'token', TokenWithSecretDoc>>;
  /** Revokes a token: it stops working at once, and the sockets it opened are ended (`token-revoked`). */
  'sv.account.del.token': Handler<Request<Entity<'token', IdRef>>, Entity<'token', DeletedDoc>>;
}
export type AccountChanged = Broadcast & { account: AccountDoc | DeletedDoc };
export interface AccountsServerEvents {
  'sv.account.changed': (payload: AccountChanged | NoAckReply) => void;
  'sv.session.ended': (ended: SessionEnded) => void;
}

// ---------------------------------------------------------------------------------------------
// /workflows

type InstanceRef = { worktyInstance: IdRef };
export interface WorkflowsClientEvents {
  'sv.workflow.refresh.all': Handler<Request<ListOptions>, ListAck<'workflows', WorkflowDoc>>;
  'sv.workflow.refresh': Handler<Request<Entity<'workflow', IdRef> & ReadOptions>, Entity<'workflow', WorkflowDoc>>;
  'sv.workflow.add': Handler<Request<Entity<'workflow', In<typeof newWorkflow>>>, Entity<'workflow', WorkflowDoc>>;
  'sv.workflow.upd': Handler<Request<Entity<'workflow', IdRef & In<typeof workflowUpdate>>>, Entity<'workflow', WorkflowDoc>>;
  'sv.workflow.del': Handler<Request<Entity<'workflow', IdRef>>, Entity<'workflow', DeletedDoc>>;
  /** Run, or resume a paused run; answered with the run as recorded. */
  'sv.workflow.run': Handler<Request<Entity<'workflow', IdRef>>, Entity<'run', RunDoc>>;
  'sv.workflow.pause': Handler<Request<Entity<'workflow', IdRef>>, Entity<'run', RunDoc>>;
  'sv.workflow.stop': Handler<Request<Entity<'workflow', IdRef>>, Entity<'run', RunDoc>>;
  /** The workty as `workty: {id}` (2016) or as `worktyInstance.worktyId`. */
  'sv.workflow.add.workty.instance': Handler<
    Request<Entity<'workflow', IdRef & { worktyInstance?: Partial<In<typeof newInstance>> }> & { workty?: IdRef }>,
    Entity<'worktyInstance', InstanceDoc>
  >;
  'sv.workflow.upd.workty.instance': Handler<
    Request<Entity<'workflow', IdRef & { worktyInstance: IdRef & In<typeof instanceUpdate> }>>,
    Entity<'worktyInstance', InstanceDoc>
  >;
  'sv.workflow.del.workty.instance': Handler<Request<Entity<'workflow', IdRef & InstanceRef>>, Entity<'worktyInstance', DeletedDoc>>;
  'sv.workflow.upd.workty.instance.property': Handler<
    Request<Entity<'workflow', IdRef & { worktyInstance: IdRef & { property: IdRef & In<typeof propertyPatch> } }>>,
    Entity<'property', PropertyDoc>
  >;
}
/**
 * A workflow changed; one of its instances changed (`worktyInstance`: run progress moves its `state`);
 * or its run changed (`run`: status and desired state).
 */
export type WorkflowChanged = Broadcast & (
  | { workflow: WorkflowDoc | DeletedDoc }
  | { workflowId: string; worktyInstance: InstanceDoc | DeletedDoc }
  | { workflowId: string; run: RunSummaryDoc | DeletedDoc }
);
export interface WorkflowsServerEvents {
  'sv.workflow.changed': (payload: WorkflowChanged | NoAckReply) => void;
  'sv.session.ended': (ended: SessionEnded) => void;
}

// ---------------------------------------------------------------------------------------------
// /workties

type WorktyProperty<T> = Entity<'workty', IdRef & { property: T }>;
export interface WorktiesClientEvents {
  'sv.workty.refresh.all': Handler<Request<ListOptions>, ListAck<'workties', WorktyDoc>>;
  'sv.workty.refresh': Handler<Request<Entity<'workty', IdRef> & ReadOptions>, Entity<'workty', WorktyDoc>>;
  /** `compressedCode` may also be a Buffer (socket.io carries binary). */
  'sv.workty.add': Handler<Request<Entity<'workty', In<typeof newWorkty> | WithBinaryPackage<In<typeof newWorkty>>>>, Entity<'workty', WorktyDoc>>;
  'sv.workty.upd': Handler<Request<Entity<'workty', IdRef & (In<typeof worktyUpdate> | WithBinaryPackage<In<typeof worktyUpdate>>)>>, Entity<'workty', WorktyDoc>>;
  'sv.workty.del': Handler<Request<Entity<'workty', IdRef>>, Entity<'workty', DeletedDoc>>;
  /** The workty with its properties populated (`propertiesIds`: `{_id, name, value}`), as 2016 answered. */
  'sv.workty.refresh.all.properties': Handler<Request<Entity<'workty', IdRef>>, Entity<'workty', WorktyDoc>>;
  'sv.workty.add.property': Handler<Request<WorktyProperty<In<typeof propertyInput>>>, Entity<'property', PropertyDoc>>;
  'sv.workty.upd.property': Handler<Request<WorktyProperty<IdRef & In<typeof propertyPatch>>>, Entity<'property', PropertyDoc>>;
  'sv.workty.del.property': Handler<Request<WorktyProperty<IdRef>>, Entity<'property', DeletedDoc>>;
  /**
   * A dictionary's entries (`name`, case-insensitive: worktyTypes, worktyCategories, languageTypes,
   * validationStates, instanceStates, deviceStates, runStatuses, roles), e.g. for `languageTypeId`.
   */
  'sv.workty.refresh.dictionary': Handler<Request<Entity<'dictionary', { name: string }>>, { entries: DictionaryEntryDoc[] }>;
}
type WithBinaryPackage<T> = Omit<T, 'compressedCode'> & { compressedCode?: Uint8Array | null };
export type WorktyChanged = Broadcast & { workty: WorktyDoc | DeletedDoc };
export interface WorktiesServerEvents {
  'sv.workty.changed': (payload: WorktyChanged | NoAckReply) => void;
  'sv.session.ended': (ended: SessionEnded) => void;
}

// ---------------------------------------------------------------------------------------------
// /devices (admins)

export interface DevicesClientEvents {
  'sv.device.refresh.all': Handler<Request<ListOptions>, ListAck<'devices', DeviceDoc>>;
  'sv.device.refresh': Handler<Request<Entity<'device', IdRef> & ReadOptions>, Entity<'device', DeviceDoc>>;
  /** The answer carries the device secret, this once. */
  'sv.device.add': Handler<Request<Entity<'device', In<typeof newDevice>>>, Entity<'device', DeviceWithSecretDoc>>;
  'sv.device.upd': Handler<Request<Entity<'device', IdRef & In<typeof deviceUpdate>>>, Entity<'device', DeviceDoc>>;
  'sv.device.del': Handler<Request<Entity<'device', IdRef>>, Entity<'device', DeletedDoc>>;
  /** A new secret for the device (the previous one stops working at once); the answer carries it, this once. */
  'sv.device.rotate.credential': Handler<Request<Entity<'device', IdRef>>, Entity<'device', DeviceWithSecretDoc>>;
}
/** A device changed: registered, edited, deleted, or its state (online, running, disconnected). */
export type DeviceChanged = Broadcast & { device: DeviceDoc | DeletedDoc };
export interface DevicesServerEvents {
  'sv.device.changed': (payload: DeviceChanged | NoAckReply) => void;
  'sv.session.ended': (ended: SessionEnded) => void;
}

// ---------------------------------------------------------------------------------------------
// /payments

export interface PaymentsClientEvents {
  'sv.payment.refresh.all': Handler<Request<ListOptions>, ListAck<'payments', PaymentDoc>>;
  'sv.payment.refresh': Handler<Request<Entity<'payment', IdRef> & ReadOptions>, Entity<'payment', PaymentDoc>>;
  /** Buys a template; the payment's `worktyId` is the installed copy. */
  'sv.payment.add': Handler<Request<Entity<'payment', In<typeof newPayment>>>, Entity<'payment', PaymentDoc>>;
  'sv.payment.upd': Handler<Request<Entity<'payment', IdRef & In<typeof paymentUpdate>>>, Entity<'payment', PaymentDoc>>;
  'sv.payment.del': Handler<Request<Entity<'payment', IdRef>>, Entity<'payment', DeletedDoc>>;
}
export type PaymentChanged = Broadcast & { payment: PaymentDoc | DeletedDoc };
export interface PaymentsServerEvents {
  'sv.payment.changed': (payload: PaymentChanged | NoAckReply) => void;
  'sv.session.ended': (ended: SessionEnded) => void;
}

// ---------------------------------------------------------------------------------------------
// /runs (new: no 2016 counterpart)

export interface RunsClientEvents {
  /** The runs of a workflow. */
  'sv.run.refresh.all': Handler<Request<ListOptionsOf<'workflow'>>, ListAck<'runs', RunDoc>>;
  'sv.run.refresh': Handler<Request<Entity<'run', IdRef> & ReadOptions>, Entity<'run', RunDoc>>;
  'sv.run.journal': Handler<Request<ListOptionsOf<'run'>>, ListAck<'journal', JournalEntryDoc>>;
  /** Captured output; `instance` and `attempt` narrow it. */
  'sv.run.logs': Handler<Request<Entity<'run', IdRef & { instance?: string; attempt?: number }>>, Entity<'logs', LogChunkDoc[]>>;
}
/** A run changed, with the journal entries committed since the previous `sv.run.changed` of this run. */
export type RunChanged = Broadcast & { run: RunDoc | DeletedDoc; journal: JournalEntryDoc[] };
export interface RunsServerEvents {
  'sv.run.changed': (payload: RunChanged | NoAckReply) => void;
  'sv.session.ended': (ended: SessionEnded) => void;
}

/** Every namespace's event maps, by context. */
export interface ClientProtocol {
  accounts: { client: AccountsClientEvents; server: AccountsServerEvents };
  workflows: { client: WorkflowsClientEvents; server: WorkflowsServerEvents };
  workties: { client: WorktiesClientEvents; server: WorktiesServerEvents };
  devices: { client: DevicesClientEvents; server: DevicesServerEvents };
  payments: { client: PaymentsClientEvents; server: PaymentsServerEvents };
  runs: { client: RunsClientEvents; server: RunsServerEvents };
}

/** The `<prefix>changed` event of each context. */
export const CHANGED_EVENTS = {
  accounts: 'sv.account.changed',
  workflows: 'sv.workflow.changed',
  workties: 'sv.workty.changed',
  devices: 'sv.device.changed',
  payments: 'sv.payment.changed',
  runs: 'sv.run.changed',
} as const satisfies { [C in ClientContext]: keyof ClientProtocol[C]['server'] };

export const SESSION_ENDED_EVENT = 'sv.session.ended';

/** The broadcasts of each context's `<prefix>changed`. */
export interface ClientBroadcasts {
  accounts: AccountChanged;
  workflows: WorkflowChanged;
  workties: WorktyChanged;
  devices: DeviceChanged;
  payments: PaymentChanged;
  runs: RunChanged;
}
/** The payload of a context's `<prefix>changed`: a broadcast, or the answer to a request sent without acknowledgement. */
export type ChangedPayload<C extends ClientContext> = ClientBroadcasts[C] | NoAckReply;

/** Events between supervisor processes on the client namespaces (through the adapter). */
export interface ClientInterServerEvents {
  /** "Read the change feed now": a peer committed a client's request. */
  'workty:feed-poke': () => void;
}
