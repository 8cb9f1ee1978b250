/**
 * Live fan-out: every committed change of the store's change feed — whoever made it: REST in another
 * process, a client socket, the engine, another supervisor — becomes a `<prefix>changed` on the
 * sockets allowed to see it: the owner's account room and `admins` (templates: every socket of
 * `/workties`; devices: `admins` only). Payloads are the REST representation of the document as
 * read now, never a secret.
 *
 * INVARIANTS
 * - Changes are handled one at a time, in feed (commit) order; a socket receives them in that order.
 * - Each supervisor process translates the feed for its own sockets only (`namespace.local`): with
 *   several processes sharing a broadcasting adapter, a change still reaches each socket once.
 * - Progress is reported as of the change, not as of the read: an instance's `state` and a run's
 *   `status`/`desired` come from the change itself, so quick successive steps arrive in order;
 *   `/runs` carries exactly the journal entries committed up to that change, each once.
 * - Nothing is read from the store for a change no local socket may see.
 */
import { LRUCache } from 'lru-cache';
import type { Namespace } from 'socket.io';
import type { ChangeEvent, JournalEntry } from '../../shared/domain/model.js';
import { ALL } from '../../shared/domain/query.js';
import type { InstanceState, RunDesired, RunStatus } from '../../shared/domain/index.js';
import { isFinalRunStatus } from '../../shared/domain/states.js';
import type { Logger } from '../../shared/log.js';
import type { ChangedPayload, ClientContext } from '../../shared/protocol/clients.js';
import { CHANGED_EVENTS } from '../../shared/protocol/clients.js';
import {
  accountRep, deviceRep, instanceRep, journalRep, paymentRep, runRep, workflowRep, worktyRep,
} from '../../shared/representation/documents.js';
import { project } from '../../shared/domain/query.js';
import type { Store } from '../../shared/store/port.js';
import type { ClientNamespaces } from './namespaces.js';
import type { ClientSessions } from './sessions.js';
import { ADMINS_ROOM, accountRoom } from './sessions.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNamespace = Namespace<any, any, any, any>;

/** What `/workflows` carries of a run. */
const RUN_SUMMARY_FIELDS = ['_id', 'workflowId', 'accountId', 'status', 'desired', 'error', 'created', 'started', 'ended', 'updated'];

/** Journal entries read per page when catching up. */
const JOURNAL_PAGE = 100;

/** Instances whose latest state this process remembers from the feed (the rest are read). */
const REMEMBERED_INSTANCE_STATES = 10_000;

/** Who may see a change: one account (and admins), admins only, or everyone on the namespace. */
type Audience = { rooms: string[] } | 'everyone';

export interface FanoutDeps {
  store: Store;
  namespaces: ClientNamespaces;
  sessions: ClientSessions;
  logger: Logger;
}

export class ChangeFanout {
  private queue: Promise<void>;
  /** Per active run: the newest journal seq delivered on `/runs`. */
  private readonly journalSeen = new Map<string, number>();
  /** Per instance: its state as of the latest change handled (changes that say nothing of it keep it). */
  private readonly instanceStates = new LRUCache<string, InstanceState>({ max: REMEMBERED_INSTANCE_STATES });

  constructor(private readonly deps: FanoutDeps) {
    // Runs active now: their journal so far is history (no client is connected yet), not news.
    this.queue = this.loadActiveRuns().catch((error: unknown) => {
      deps.logger.warn({ err: error }, 'could not read the active runs\' journals; their first changes carry only their newest entry');
    });
  }

  /** Queues a change; handled after every change before it. */
  push(change: ChangeEvent): void {
    this.queue = this.queue.then(() => this.handle(change)).catch((error: unknown) => {
      this.deps.logger.error({ err: error, seq: change.seq, entity: change.entity }, 'fanning out a change failed');
    });
  }

  /** Resolves once every queued change is handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  private async loadActiveRuns(): Promise<void> {
    for (const run of await this.deps.store.runs.listActive()) {
      const { items } = await this.deps.store.runs.journal(run._id, ALL, { sort: [{ field: 'seq', direction: 'desc' }], perPage: 1, fields: ['seq'] });
      this.journalSeen.set(run._id, items[0]?.seq ?? 0);
    }
  }

  private async handle(change: ChangeEvent): Promise<void> {
    const { store, sessions } = this.deps;
    const owner = change.accountId;
    switch (change.entity) {
      case 'account':
        await sessions.accountChanged(change.id);
        await this.publish('accounts', { rooms: [accountRoom(change.id), ADMINS_ROOM] }, change, 'account',
          async () => mapDoc(await store.accounts.get(change.id, ALL), (a) => accountRep.toApi(a)));
        return;
      case 'token':
        await sessions.tokenChanged(change.id);
        return;
      case 'workflow':
        await this.publish('workflows', ownerAudience(owner), change, 'workflow',
          async () => mapDoc(await store.workflows.get(change.id, ALL), (w) => workflowRep.toApi(w)));
        return;
      case 'instance':
        await this.instance(change);
        return;
      case 'run':
        await this.run(change);
        return;
      case 'workty':
        await this.publish('workties', change.data.template === true ? 'everyone' : ownerAudience(owner), change, 'workty',
          async () => mapDoc(await store.workties.get(change.id, { scope: ALL, withTemplates: true }), (w) => worktyRep.toApi(w)));
        return;
      case 'payment':
        await this.publish('payments', ownerAudience(owner), change, 'payment',
          async () => mapDoc(await store.payments.get(change.id, ALL), (p) => paymentRep.toApi(p)));
        return;
      case 'device':
        await this.publish('devices', { rooms: [ADMINS_ROOM] }, change, 'device',
          async () => mapDoc(await store.devices.get(change.id), (d) => deviceRep.toApi(d)));
        return;
    }
  }

  private async instance(change: ChangeEvent): Promise<void> {
    const workflowId = stringOf(change.data.workflowId);
    if (workflowId === null) return;
    // As of this change: its own state hint, else the state of the last hint (a new instance is initial).
    const hinted = stringOf(change.data.state) as InstanceState | null;
    const state = hinted ?? (change.op === 'created' ? 'initial' : this.instanceStates.get(change.id) ?? null);
    if (change.op === 'deleted') this.instanceStates.delete(change.id);
    else if (state !== null) this.instanceStates.set(change.id, state);
    await this.publish('workflows', ownerAudience(change.accountId), change, 'worktyInstance', async () => {
      const instance = await this.deps.store.instances.get(workflowId, change.id, ALL);
      return mapDoc(instance, (i) => instanceRep.toApi(state === null ? i : { ...i, state }));
    }, { workflowId });
  }

  private async run(change: ChangeEvent): Promise<void> {
    const { store } = this.deps;
    const audience = ownerAudience(change.accountId);
    const status = stringOf(change.data.status) as RunStatus | null;
    const desired = stringOf(change.data.desired) as RunDesired | null;
    const workflowId = stringOf(change.data.workflowId) ?? '';
    const journalSeq = typeof change.data.journalSeq === 'number' ? change.data.journalSeq : null;
    // Read once for both namespaces, as of this change.
    let read: Promise<Record<string, unknown> | null> | null = null;
    const current = (): Promise<Record<string, unknown> | null> => {
      read ??= store.runs.get(change.id, ALL).then((run) => mapDoc(run, (r) => runRep.toApi({
        ...r, ...(status === null ? {} : { status }), ...(desired === null ? {} : { desired }),
      })));
      return read;
    };
    await this.publish('workflows', audience, change, 'run', async () => {
      const doc = await current();
      return doc === null ? null : project(doc, RUN_SUMMARY_FIELDS);
    }, { workflowId });
    const journal = await this.journalOf(change, journalSeq, audience);
    await this.publish('runs', audience, change, 'run', current, { journal });
    if (change.op === 'deleted' || (status !== null && isFinalRunStatus(status))) this.journalSeen.delete(change.id);
  }

  /** The run's journal entries committed up to this change and not yet delivered (read only if anyone listens). */
  private async journalOf(change: ChangeEvent, upto: number | null, audience: Audience): Promise<Record<string, unknown>[]> {
    if (change.op === 'deleted' || upto === null) return [];
    // A run unknown here and not new started before this process: its newest entry only.
    const after = this.journalSeen.get(change.id) ?? (change.op === 'created' ? 0 : Math.max(0, upto - 1));
    if (upto <= after) return [];
    this.journalSeen.set(change.id, upto);
    if (!this.listening(this.deps.namespaces.runs as AnyNamespace, audience)) return [];
    const entries: JournalEntry[] = [];
    // seq is dense and 1-based, and the journal is ordered by it: entry n is on page ceil(n / size).
    for (let page = Math.floor(after / JOURNAL_PAGE) + 1; (page - 1) * JOURNAL_PAGE < upto; page += 1) {
      const { items } = await this.deps.store.runs.journal(change.id, ALL, { pageNum: page, perPage: JOURNAL_PAGE });
      for (const entry of items) if (entry.seq > after && entry.seq <= upto) entries.push(entry);
      if (items.length < JOURNAL_PAGE) break;
    }
    return entries.map((entry) => journalRep.toApi(entry));
  }

  /**
   * Emits `{err: null, op, <key>: doc, ...extra}` to the audience's sockets of this process, the
   * document read by `load` (a deletion needs no read); nothing when no one listens or the document
   * is already gone (its deletion follows in the feed).
   */
  private async publish(
    context: ClientContext, audience: Audience, change: ChangeEvent, key: string,
    load: () => Promise<Record<string, unknown> | null>, extra: Record<string, unknown> = {},
  ): Promise<void> {
    const ns = this.deps.namespaces[context] as AnyNamespace;
    if (!this.listening(ns, audience)) return;
    const doc = change.op === 'deleted' ? { _id: change.id, deleted: true } : await load();
    if (doc === null) return;
    // Documents are the REST representation (`shared/representation`), whose types the protocol derives.
    const payload = { err: null, op: change.op, ...extra, [key]: doc } as unknown as ChangedPayload<typeof context>;
    const target = audience === 'everyone' ? ns.local : ns.local.to(audience.rooms);
    target.emit(CHANGED_EVENTS[context], payload);
  }

  private listening(ns: AnyNamespace, audience: Audience): boolean {
    if (audience === 'everyone') return ns.sockets.size > 0;
    return audience.rooms.some((room) => (ns.adapter.rooms.get(room)?.size ?? 0) > 0);
  }
}

function ownerAudience(owner: string | null): Audience {
  return { rooms: owner === null ? [ADMINS_ROOM] : [accountRoom(owner), ADMINS_ROOM] };
}

function mapDoc<T>(doc: T | null, represent: (doc: T) => Record<string, unknown>): Record<string, unknown> | null {
  return doc === null ? null : represent(doc);
}

function stringOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
