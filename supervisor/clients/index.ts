/**
 * The socket.io API for clients, on the supervisor's server: namespaces `/accounts`, `/workflows`,
 * `/workties`, `/devices`, `/payments`, `/runs` (`shared/protocol/clients.ts`, docs/socket-api.md).
 *
 * Each namespace authenticates in its handshake middleware (`auth.ts`) before anything of it runs;
 * its request handlers are registered on a socket only once it is connected, i.e. authenticated.
 * Each request runs its use case of `shared/services` — the same permission check, validation and
 * store call as its REST route — for the socket's account as stored now, and is answered by an
 * acknowledgement. The change feed is fanned out live (`fanout.ts`); sessions end when their
 * credential stops working (`sessions.ts`).
 */
import type { Server } from 'socket.io';
import { NotFoundError } from '../../shared/domain/errors.js';
import type { Logger } from '../../shared/log.js';
import type { ClientContext, RequestId } from '../../shared/protocol/clients.js';
import { CHANGED_EVENTS, CLIENT_NAMESPACES } from '../../shared/protocol/clients.js';
import type { PasswordLogin } from '../../shared/security/login.js';
import { execute } from '../../shared/services/use-case.js';
import type { Store } from '../../shared/store/port.js';
import type { ChangeFeedTailer } from '../change-feed.js';
import { failure } from './acks.js';
import { FEED_POKE } from './adapter.js';
import { HandshakeRefusal, clientHandshake } from './auth.js';
import { clientRequests, type ClientServices } from './contexts.js';
import type { AnyNamespace } from './fanout.js';
import { ChangeFanout } from './fanout.js';
import { CLIENT_CONTEXTS, clientNamespaces } from './namespaces.js';
import { envelope, requestIdOf } from './payload.js';
import type { RawInputs } from './requests.js';
import type { ClientRequest } from './requests.js';
import type { ClientSocket } from './sessions.js';
import { ClientSessions } from './sessions.js';

export { createClientAdapter } from './adapter.js';
export type { ClientServices } from './contexts.js';
export type { ClientAdapter } from './adapter.js';
export type { ClientNamespace, ClientNamespaces } from './namespaces.js';

export interface ClientApiDeps {
  store: Store;
  services: ClientServices;
  /** The throttled, cached password check (shared with REST's design: `shared/security/login.ts`). */
  login: PasswordLogin;
  /** The supervisor's change feed follower; the API subscribes to it and pokes it after each request. */
  tailer: ChangeFeedTailer;
  logger: Logger;
  /** True when other supervisor processes share the adapter: they are told to read the feed after a commit. */
  sharedAdapter?: boolean;
  /** True once the supervisor is shutting down (new handshakes are refused). */
  closing?: () => boolean;
}

export interface ClientApi {
  readonly sessions: ClientSessions;
  /** Resolves once every change seen so far has been fanned out (tests, shutdown). */
  idle(): Promise<void>;
  /**
   * Refuses new handshakes, lets requests under way answer, stops following the feed, and ends every
   * session with `sv.session.ended` (`shutting-down`). Idempotent; the server is closed by its owner.
   */
  close(): Promise<void>;
}

export function attachClientApi(io: Server, deps: ClientApiDeps): ClientApi {
  const log = deps.logger.child({ component: 'clients' });
  let closing: Promise<void> | null = null;
  const isClosing = (): boolean => closing !== null || (deps.closing?.() ?? false);
  const sessions = new ClientSessions(deps.store, log);
  const requests = clientRequests(deps.services);
  const inflight = new Set<Promise<void>>();

  const namespaces = clientNamespaces(io);
  const fanout = new ChangeFanout({ store: deps.store, namespaces, sessions, logger: log });
  const onChange = fanout.push.bind(fanout);
  deps.tailer.on('change', onChange);

  const pokePeers = (): void => {
    void deps.tailer.poke();
    if (deps.sharedAdapter === true) namespaces.workflows.serverSideEmit(FEED_POKE);
  };
  if (deps.sharedAdapter === true) namespaces.workflows.on(FEED_POKE, () => void deps.tailer.poke());

  const handshake = clientHandshake({ store: deps.store, login: deps.login, logger: log, closing: isClosing });
  for (const context of CLIENT_CONTEXTS) {
    // One binding for all six: their events are typed per namespace, the binding is table-driven.
    const ns = namespaces[context] as AnyNamespace;
    ns.use(handshake);
    ns.on('connection', (socket: ClientSocket) => connected(context, socket));
  }
  // The main namespace serves nothing: say so instead of accepting a socket that would never hear anything.
  io.of('/').use((_socket, next) => next(new HandshakeRefusal('unknown-namespace',
    `connect to one of ${Object.values(CLIENT_NAMESPACES).join(', ')} (boards: /worker)`)));

  function connected(context: ClientContext, socket: ClientSocket): void {
    sessions.add(socket);
    const { account, method } = socket.data.session;
    log.debug({ accountId: account._id, nsp: socket.nsp.name, method }, 'client connected');
    socket.once('disconnect', (reason) => log.debug({ accountId: account._id, nsp: socket.nsp.name, reason }, 'client disconnected'));
    const known = new Set<string>();
    for (const request of requests[context]) {
      known.add(request.event);
      socket.on(request.event, (...args: unknown[]) => {
        const [payload, ack] = requestArgs(args);
        track(serve(context, socket, request, payload, ack));
      });
    }
    // A request nobody serves still gets an answer rather than silence.
    socket.onAny((event: string, ...args: unknown[]) => {
      if (known.has(event)) return;
      const [payload, ack] = requestArgs(args);
      const requestId = requestIdOf(payload);
      const error = new NotFoundError(`Event ${event} on ${socket.nsp.name}`);
      reply(context, socket, event, ack, failure(error, requestId).ack);
    });
  }

  async function serve(context: ClientContext, socket: ClientSocket, request: ClientRequest, payload: unknown, ack: unknown): Promise<void> {
    const requestId: RequestId | null = requestIdOf(payload);
    try {
      const caller = await sessions.current(socket);
      let inputs: RawInputs | undefined;
      // Read lazily: the envelope is checked after the permission, as REST reads a body after it.
      const read = (): RawInputs => (inputs ??= request.read(envelope(payload)));
      const result: unknown = await execute(request.useCase, caller, {
        params: () => read().params ?? {},
        query: () => read().query ?? {},
        body: () => read().body,
      });
      // A write is in the feed now: read it at once here, and have the other supervisors do so.
      if (request.useCase.permission[1] !== 'view') pokePeers();
      log.debug({ event: request.event, accountId: caller._id }, 'client request');
      reply(context, socket, request.event, ack, { err: null, requestId, ...request.answer(result) });
    } catch (error) {
      const failed = failure(error, requestId);
      if (failed.internal) log.error({ err: error, event: request.event, nsp: socket.nsp.name }, 'client request failed');
      else log.debug({ event: request.event, statusCode: failed.ack.err.statusCode }, 'client request refused');
      reply(context, socket, request.event, ack, failed.ack);
    }
  }

  /** Answers through the acknowledgement, or (a 2016 client without one) as a `<prefix>changed` to this socket. */
  function reply(context: ClientContext, socket: ClientSocket, event: string, ack: unknown, answer: Record<string, unknown>): void {
    if (typeof ack === 'function') (ack as (answer: unknown) => void)(answer);
    else socket.emit(CHANGED_EVENTS[context], { ...answer, event });
  }

  function track(work: Promise<void>): void {
    inflight.add(work);
    void work.finally(() => inflight.delete(work));
  }

  return {
    sessions,
    idle: () => fanout.idle(),
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...inflight]);
        deps.tailer.off('change', onChange);
        await fanout.idle();
        sessions.endAll({ code: 'shutting-down', reason: 'the supervisor is shutting down; reconnect in a moment' });
      })();
      return closing;
    },
  };
}

/** `(payload, ack)`, `(ack)` (a request without payload) or `(payload)` (without acknowledgement). */
function requestArgs(args: unknown[]): [unknown, unknown] {
  if (args.length === 1 && typeof args[0] === 'function') return [undefined, args[0]];
  return [args[0], args[1]];
}
