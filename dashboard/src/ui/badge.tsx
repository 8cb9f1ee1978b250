/** A state shown as a coloured label, the same everywhere (instances, runs, attempts, devices). */

const LABELS: Record<string, string> = {
  waiting: 'waiting',
  disconnected: 'offline',
};

/** `kind` tells apart a device's `waiting` (online and idle) from an instance's (queued). */
export function StateBadge({ state, kind = 'run' }: { state: string; kind?: 'run' | 'device' }) {
  const label = kind === 'device' ? (state === 'waiting' ? 'online' : LABELS[state] ?? state) : state;
  return <span class={`badge state-${kind}-${state}`} data-state={state}>{label}</span>;
}
