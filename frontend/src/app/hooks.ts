import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import type { State } from '../state/store';
import type { HearthClient } from './client';

export const ClientContext = createContext<HearthClient | null>(null);

export function useClient(): HearthClient {
  const c = useContext(ClientContext);
  if (!c) throw new Error('useClient outside ClientContext');
  return c;
}

/** Subscribe to a slice of the store; re-renders only when the slice changes (by identity). */
export function useHearth<T>(select: (s: State) => T): T {
  const client = useClient();
  return useSyncExternalStore(client.subscribe, () => select(client.getState()));
}

/** A clock that ticks while `active`, for live timers. */
export function useNow(active: boolean, everyMs = 100): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [active, everyMs]);
  return now;
}

/** Matches a media query, live. */
export function useMedia(query: string): boolean {
  const [m, setM] = useState(() => typeof window !== 'undefined' && window.matchMedia?.(query).matches);
  useEffect(() => {
    const mq = window.matchMedia(query);
    const on = () => setM(mq.matches);
    mq.addEventListener('change', on);
    on();
    return () => mq.removeEventListener('change', on);
  }, [query]);
  return Boolean(m);
}
