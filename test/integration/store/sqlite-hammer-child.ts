/**
 * A second process writing to the same SQLite file (forked by sqlite.spec.ts over the compiled dist):
 * receives the file and the plan, opens its own store, says `started`, hammers, reports, exits.
 */
import { openSqliteStore } from '../../../shared/store/sqlite/index.js';
import { hammer, type HammerPlan, type HammerResult } from './hammer.js';
import { TEST_BUSY_TIMEOUT_MS } from './sqlite-factory.js';

export type ChildRequest = { type: 'go'; file: string; plan: HammerPlan };
export type ChildReply = { type: 'started' } | { type: 'done'; result: HammerResult } | { type: 'failed'; error: string };

function send(reply: ChildReply): void {
  process.send?.(reply);
}

process.once('message', (request: ChildRequest) => {
  void (async () => {
    try {
      const store = await openSqliteStore({ file: request.file, busyTimeoutMs: TEST_BUSY_TIMEOUT_MS });
      send({ type: 'started' });
      const result = await hammer(store, request.plan);
      await store.close();
      send({ type: 'done', result });
    } catch (error) {
      send({ type: 'failed', error: String((error as Error).stack ?? error) });
    } finally {
      process.disconnect?.();
    }
  })();
});
