/** How values are shown: money in cents, dates, durations, sizes. */

/** Integer cents as units with two decimals ("4.00"). */
export function money(cents: number): string {
  return (cents / 100).toFixed(2);
}

/** Units typed by a person ("4", "4.5", "4,50") as integer cents; null when not a non-negative amount. */
export function parseMoney(text: string): number | null {
  const normalised = text.trim().replace(',', '.');
  if (!/^\d+(\.\d{1,2})?$/.test(normalised)) return null;
  return Math.round(Number(normalised) * 100);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [['second', 60], ['minute', 60], ['hour', 24], ['day', 30], ['month', 12], ['year', Infinity]];

/** "3 minutes ago", relative to `now`. */
export function ago(iso: string, now = Date.now()): string {
  let value = (Date.parse(iso) - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return unit === 'second' && Math.abs(value) < 5 ? 'just now' : relative.format(Math.round(value), unit);
    value /= size;
  }
  return relative.format(Math.round(value), 'year');
}

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function when(iso: string | null | undefined): string {
  return iso === null || iso === undefined ? '—' : absolute.format(new Date(iso));
}

/** "1.2 s", "3 min 4 s": the time between two dates (to now while not ended). */
export function duration(from: string | null, to: string | null, now = Date.now()): string {
  if (from === null) return '—';
  const ms = (to === null ? now : Date.parse(to)) - Date.parse(from);
  if (ms < 1000) return `${Math.max(0, ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function bytes(count: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 || value >= 10 ? 0 : 1)} ${units[unit]}`;
}

/** The last characters of an id, enough to tell documents apart on screen. */
export function shortId(id: string): string {
  return `…${id.slice(-6)}`;
}
