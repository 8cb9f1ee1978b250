/** A systemd unit file as sections of `Key=value` lists (a key may repeat, e.g. `Environment=`). */
import { readFileSync } from 'node:fs';

export type UnitFile = Record<string, Record<string, string[]>>;

export function readUnitFile(path: string): UnitFile {
  const unit: UnitFile = {};
  let section: Record<string, string[]> | null = null;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = unit[header[1]!] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (section === null || eq < 0) throw new Error(`${path}: cannot read "${line}"`);
    (section[line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return unit;
}

/** `Environment=A=1` lines of a section as a map. */
export function unitEnvironment(section: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries((section['Environment'] ?? []).map((line) => {
    const eq = line.indexOf('=');
    return [line.slice(0, eq), line.slice(eq + 1)];
  }));
}

/** systemd time spans (`120`, `90s`, `2min`) in milliseconds. */
export function unitTimeMs(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  let total = 0;
  for (const match of text.matchAll(/(\d+)\s*(ms|min|s|h)/g)) total += Number(match[1]) * { ms: 1, s: 1000, min: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'min' | 'h'];
  return total;
}
