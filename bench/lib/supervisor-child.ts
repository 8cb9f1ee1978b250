/**
 * The supervisor (composition root, embedded store) alone in a process started with --expose-gc, so
 * that a benchmark can read its memory before and after workers connect.
 *
 * Messages in: {cmd: 'start', dataDir} · {cmd: 'memory'} (after a full GC) · {cmd: 'stats'} · {cmd: 'stop'}.
 */
import { loadTls } from '../../shared/security/tls.js';
import { openStore } from '../../shared/store/index.js';
import type { Store } from '../../shared/store/port.js';
import { createSupervisor, type Supervisor } from '../../supervisor/app.js';
import { silentLogger } from '../../test/lib/logger.js';
import { TEST_SETTINGS } from '../../test/lib/engine-harness.js';

type Command = { cmd: 'start'; dataDir: string } | { cmd: 'memory' } | { cmd: 'stats' } | { cmd: 'stop' };

let store: Store | null = null;
let supervisor: Supervisor | null = null;

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('start this process with --expose-gc');
  for (let i = 0; i < 3; i += 1) gc();
}

process.on('message', (raw) => {
  const command = raw as Command;
  void (async () => {
    switch (command.cmd) {
      case 'start': {
        const logger = silentLogger();
        store = await openStore({ dataDir: command.dataDir }, logger);
        // Production timings (leases, pings), port 0.
        supervisor = createSupervisor({
          config: { ...TEST_SETTINGS, leaseDurationMs: 30_000, leaseRenewIntervalMs: 15_000, stallCheckIntervalMs: 5000, pingIntervalMs: 10_000, pingTimeoutMs: 10_000 },
          store, tls: loadTls({ dataDir: command.dataDir }), logger,
        });
        const { port } = await supervisor.listen();
        process.send?.({ type: 'start', port });
        return;
      }
      case 'memory':
        fullGc();
        process.send?.({ type: 'memory', usage: process.memoryUsage() });
        return;
      case 'stats':
        process.send?.({ type: 'stats', workers: supervisor?.registry.size ?? 0 });
        return;
      case 'stop':
        await supervisor?.close();
        await store?.close();
        process.send?.({ type: 'stop' });
        process.disconnect();
        return;
    }
  })().catch((error: unknown) => process.send?.({ type: 'error', message: String(error) }));
});
