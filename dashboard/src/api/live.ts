/**
 * Live data for the views: a document or a list read once, then kept up to date by the namespace's
 * `<prefix>changed` broadcasts, and read again after a reconnection (changes made while the
 * connection was down are not replayed).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChangeOp, ClientContext } from '../../../shared/protocol/clients.js';
import { CHANGED_EVENTS } from '../../../shared/protocol/clients.js';
import { describe } from './errors.js';
import { useSession } from './context.js';
import type { Session } from './session.js';

interface Doc {
  _id: string;
  updated?: string;
}

/** What a change means for a list: a document to put in (created, updated) or to take out. */
export type ListChange<T> = { op: ChangeOp; doc: T | { _id: string; deleted: true } } | null;

export interface Loaded<T> {
  /** null while loading. */
  data: T | null;
  error: string | null;
  /** Reads again. */
  reload(): void;
  /** Replaces the data (after an acknowledgement carried a newer version). */
  set(update: (current: T | null) => T | null): void;
}

/** Runs `listener` on every broadcast of a namespace and on its reconnections, while mounted. */
export function useChanges<C extends ClientContext>(context: C, listener: (payload: unknown) => void, onReconnect?: () => void): void {
  const session = useSession();
  const latest = useRef(listener);
  latest.current = listener;
  const reconnected = useRef(onReconnect);
  reconnected.current = onReconnect;
  useEffect(() => {
    const socket = session.socket(context) as unknown as { on(e: string, l: (...a: unknown[]) => void): void; off(e: string, l: (...a: unknown[]) => void): void; connected: boolean };
    const onChange = (payload: unknown): void => {
      // Answers to requests sent without acknowledgement carry `event`; the dashboard sends none.
      if (payload !== null && typeof payload === 'object' && 'op' in payload && (payload as { op?: unknown }).op !== undefined) latest.current(payload);
    };
    let first = socket.connected;
    const onConnect = (): void => {
      if (first) reconnected.current?.();
      first = true;
    };
    socket.on(CHANGED_EVENTS[context], onChange);
    socket.on('connect', onConnect);
    return () => {
      socket.off(CHANGED_EVENTS[context], onChange);
      socket.off('connect', onConnect);
    };
  }, [session, context]);
}

/**
 * Reads with `load` when mounted and whenever `key` changes; `apply` folds each broadcast of
 * `context` into the data (return the same value to ignore it, or `'reload'` to read again).
 */
export function useLive<T, C extends ClientContext>(
  context: C,
  key: string,
  load: (session: Session) => Promise<T>,
  apply: (current: T, change: Record<string, unknown>) => T | 'reload',
): Loaded<T> {
  const session = useSession();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const pending = useRef<Record<string, unknown>[] | null>(null);
  const applyRef = useRef(apply);
  applyRef.current = apply;
  const loadedKey = useRef(key);

  useEffect(() => {
    let cancelled = false;
    // Another document: show nothing of the previous one while reading (a reload keeps what is shown).
    if (loadedKey.current !== key) {
      loadedKey.current = key;
      setData(null);
    }
    // Changes arriving while the read is under way are applied on top of its answer.
    pending.current = [];
    setError(null);
    load(session).then(
      (loaded) => {
        if (cancelled) return;
        let value: T = loaded;
        for (const change of pending.current ?? []) {
          const next = applyRef.current(value, change);
          if (next !== 'reload') value = next;
        }
        pending.current = null;
        setData(value);
      },
      (failure: unknown) => {
        if (cancelled) return;
        pending.current = null;
        setError(describe(failure));
      },
    );
    return () => {
      cancelled = true;
    };
    // `load` is read when the key changes, not on every render.
  }, [session, key, generation]);

  const reload = (): void => setGeneration((g) => g + 1);
  useChanges(context, (change) => {
    if (pending.current !== null) {
      pending.current.push(change as Record<string, unknown>);
      return;
    }
    setData((current) => {
      if (current === null) return current;
      const next = applyRef.current(current, change as Record<string, unknown>);
      if (next === 'reload') {
        queueMicrotask(reload);
        return current;
      }
      return next;
    });
  }, reload);

  return { data, error, reload, set: setData };
}

/**
 * Folds a change of one document into a list: replaces it (unless the list has a newer version),
 * appends it when created and `accept`ed, drops it when deleted.
 */
export function mergeIntoList<T extends Doc>(list: T[], doc: T | { _id: string; deleted: true }, accept: (doc: T) => boolean = () => true): T[] {
  const index = list.findIndex((item) => item._id === doc._id);
  if ('deleted' in doc && doc.deleted === true) return index === -1 ? list : list.filter((item) => item._id !== doc._id);
  const fresh = doc as T;
  if (index === -1) return accept(fresh) ? [...list, fresh] : list;
  const current = list[index]!;
  if (current.updated !== undefined && fresh.updated !== undefined && fresh.updated < current.updated) return list;
  if (!accept(fresh)) return list.filter((item) => item._id !== doc._id);
  const copy = list.slice();
  copy[index] = fresh;
  return copy;
}
