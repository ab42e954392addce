import { createContext, useContext } from 'react';
import type { Session } from './types';

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('no session');
  return session;
}

/** Reloads the session (its stores) after a change, e.g. a new store. */
export const RefreshSessionContext = createContext<() => Promise<void>>(() => Promise.resolve());

export function useRefreshSession(): () => Promise<void> {
  return useContext(RefreshSessionContext);
}
