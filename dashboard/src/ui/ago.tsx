/** A date shown relative to now ("2 minutes ago"), kept current, with the exact date on hover. */
import { useEffect, useState } from 'preact/hooks';
import { ago, when } from './format.js';

export function Ago({ iso, empty = 'never' }: { iso: string | null | undefined; empty?: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 10_000);
    return () => window.clearInterval(timer);
  }, []);
  if (iso === null || iso === undefined) return <span>{empty}</span>;
  return <time dateTime={iso} title={when(iso)}>{ago(iso, now)}</time>;
}
