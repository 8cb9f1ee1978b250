/** The client namespaces of the supervisor's socket.io server, typed by `shared/protocol/clients.ts`. */
import type { Namespace, Server } from 'socket.io';
import type { ClientContext, ClientInterServerEvents, ClientProtocol } from '../../shared/protocol/clients.js';
import { CLIENT_NAMESPACES } from '../../shared/protocol/clients.js';
import type { ClientSocketData } from './sessions.js';

/** One context's namespace: its requests, its events, the peers' events, the session of each socket. */
export type ClientNamespace<C extends ClientContext> = Namespace<
  ClientProtocol[C]['client'], ClientProtocol[C]['server'], ClientInterServerEvents, ClientSocketData
>;

export type ClientNamespaces = { [C in ClientContext]: ClientNamespace<C> };

export const CLIENT_CONTEXTS = Object.keys(CLIENT_NAMESPACES) as ClientContext[];

export function clientNamespaces(io: Server): ClientNamespaces {
  const of = <C extends ClientContext>(context: C): ClientNamespace<C> => io.of(CLIENT_NAMESPACES[context]) as unknown as ClientNamespace<C>;
  return {
    accounts: of('accounts'),
    workflows: of('workflows'),
    workties: of('workties'),
    devices: of('devices'),
    payments: of('payments'),
    runs: of('runs'),
  };
}
