/**
 * Another process writing to a REST server's SQLite store (forked by response-cache.spec.ts over the
 * compiled dist), as a second REST server or the supervisor would: it opens its own store on the
 * file and answers each request once its write is committed.
 *
 * Requests: {type: 'rename', workflowId, name} · {type: 'add', workflowId, accountId, worktyId} ·
 * {type: 'renames', workflowId, count, everyMs} (renames to `v1`…`v<count>`, one every `everyMs`,
 * reporting `{type: 'committed', version}` after each commit, then `{type: 'done'}`) · {type: 'stop'}.
 */
import { openSqliteStore } from '../../../shared/store/sqlite/index.js';

export type WriterRequest =
  | { type: 'rename'; workflowId: string; name: string }
  | { type: 'add'; workflowId: string; accountId: string; worktyId: string }
  | { type: 'renames'; workflowId: string; count: number; everyMs: number }
  | { type: 'stop' };

export type WriterReply =
  | { type: 'ready' }
  | { type: 'renamed' }
  | { type: 'added'; instanceId: string }
  | { type: 'committed'; version: number }
  | { type: 'done' }
  | { type: 'failed'; error: string };

const file = process.argv[2]!;
const store = await openSqliteStore({ file, busyTimeoutMs: 10_000 });

function send(reply: WriterReply): void {
  process.send?.(reply);
}

/** The pace of a stream of writes (a load pattern, like an engine's steady progress reports). */
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

process.on('message', (request: WriterRequest) => {
  void (async () => {
    switch (request.type) {
      case 'rename':
        await store.workflows.update(request.workflowId, { all: true }, { name: request.name });
        send({ type: 'renamed' });
        return;
      case 'add': {
        const instance = await store.instances.add(request.workflowId, { accountId: request.accountId }, { worktyId: request.worktyId });
        send({ type: 'added', instanceId: instance._id });
        return;
      }
      case 'renames':
        for (let version = 1; version <= request.count; version += 1) {
          await store.workflows.update(request.workflowId, { all: true }, { name: `v${version}` });
          send({ type: 'committed', version });
          await pause(request.everyMs);
        }
        send({ type: 'done' });
        return;
      case 'stop':
        await store.close();
        process.disconnect?.();
        return;
    }
  })().catch((error: unknown) => send({ type: 'failed', error: String((error as Error).stack ?? error) }));
});
send({ type: 'ready' });
