/** The signed-in session, given to every view by the app shell. */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { AccountDoc } from '../../../shared/protocol/clients.js';
import type { Session } from './session.js';

export const SessionContext = createContext<Session | null>(null);

/** The session of the signed-in user (views render only once signed in). */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside a signed-in view');
  return session;
}

/** The signed-in account, kept current (balance, name, roles). */
export function useAccount(): AccountDoc {
  const session = useSession();
  const [account, setAccount] = useState(session.account);
  useEffect(() => session.on('account', setAccount), [session]);
  return account;
}
