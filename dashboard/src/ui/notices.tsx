/**
 * What happened after an action: a short message read out by screen readers (`aria-live`), a
 * success fading after a few seconds, an error staying until dismissed.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useRef, useState } from 'preact/hooks';
import { describe } from '../api/errors.js';

type Notify = (kind: 'ok' | 'error', text: string) => void;

interface Notice {
  id: number;
  kind: 'ok' | 'error';
  text: string;
}

const NoticesContext = createContext<Notify>(() => undefined);

export function NoticesProvider({ children }: { children: ComponentChildren }) {
  const [notices, setNotices] = useState<Notice[]>([]);
  const counter = useRef(0);
  const dismiss = (id: number): void => setNotices((list) => list.filter((n) => n.id !== id));
  const notify = useCallback<Notify>((kind, text) => {
    counter.current += 1;
    const id = counter.current;
    setNotices((list) => [...list.slice(-3), { id, kind, text }]);
    if (kind === 'ok') window.setTimeout(() => dismiss(id), 5000);
  }, []);
  return (
    <NoticesContext.Provider value={notify}>
      {children}
      <div class="notices" aria-live="polite">
        {notices.map((n) => (
          <div key={n.id} class={`notice notice-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
            <span>{n.text}</span>
            <button type="button" class="link" aria-label="Dismiss" onClick={() => dismiss(n.id)}>×</button>
          </div>
        ))}
      </div>
    </NoticesContext.Provider>
  );
}

export function useNotify(): Notify {
  return useContext(NoticesContext);
}

/**
 * Runs an action (a request), telling the user how it went; `busy` while it runs (disable the
 * buttons). Answers the result, or undefined when it failed (the error is shown).
 */
export function useAction(): [boolean, <T>(work: () => Promise<T>, success?: string | ((result: T) => string)) => Promise<T | undefined>] {
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const run = useCallback(async <T,>(work: () => Promise<T>, success?: string | ((result: T) => string)): Promise<T | undefined> => {
    setBusy(true);
    try {
      const result = await work();
      if (success !== undefined) notify('ok', typeof success === 'function' ? success(result) : success);
      return result;
    } catch (error) {
      notify('error', describe(error));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, [notify]);
  return [busy, run];
}
