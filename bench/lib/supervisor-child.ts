/**
 * The supervisor (composition root, embedded store) alone in a process started with --expose-gc, so
 * that a benchmark can read its memory before and after workers connect. With {cmd: 'start', bare:
 * true} it serves a bare socket.io namespace over the same TLS instead (the reference: what any
 * socket.io-over-TLS server pays per connection).
 *
 * Messages in: {cmd: 'start', dataDir, bare?} · {cmd: 'memory'} (after a full GC) · {cmd: 'stats'} · {cmd: 'stop'}.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server as IoServer } from 'socket.io';
import { loadTls } from '../../shared/security/tls.js';
import { openStore } from '../../shared/store/index.js';
import type { Store } from '../../shared/store/port.js';
import { createSupervisor, type Supervisor } from '../../supervisor/app.js';
import { silentLogger } from '../../test/lib/logger.js';
import { TEST_SETTINGS } from '../../test/lib/engine-harness.js';

type Command = { cmd: 'start'; dataDir: string; bare?: boolean } | { cmd: 'memory' } | { cmd: 'stats' } | { cmd: 'stop' };

let store: Store | null = null;
let supervisor: Supervisor | null = null;
let bare: { io: IoServer; connected: number } | null = null;

async function startBare(dataDir: string): Promise<number> {
  const tls = loadTls({ dataDir });
  const server = createServer({ cert: tls.cert, key: tls.key });
  const io = new IoServer(server, { serveClient: false, pingInterval: 10_000, pingTimeout: 10_000 });
  bare = { io, connected: 0 };
  const state = bare;
  io.of('/bare').on('connection', (socket) => {
    state.connected += 1;
    socket.on('disconnect', () => (state.connected -= 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

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
        if (command.bare === true) {
          process.send?.({ type: 'start', port: await startBare(command.dataDir) });
          return;
        }
        const logger = silentLogger();
        store = await openStore({ dataDir: command.dataDir }, logger);
        // Production timings (leases, pings), port 0.
        supervisor = createSupervisor({
          config: { ...TEST_SETTINGS, leaseDurationMs: 30_000, leaseRenewIntervalMs: 15_000, stallCheckIntervalMs: 5000, pingIntervalMs: 10_000, pingTimeoutMs: 10_000, presenceHeartbeatMs: 30_000 },
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
        process.send?.({ type: 'stats', workers: supervisor?.registry.size ?? bare?.connected ?? 0 });
        return;
      case 'stop':
        await supervisor?.close();
        await store?.close();
        await bare?.io.close();
        process.send?.({ type: 'stop' });
        process.disconnect();
        return;
    }
  })().catch((error: unknown) => process.send?.({ type: 'error', message: String(error) }));
});
