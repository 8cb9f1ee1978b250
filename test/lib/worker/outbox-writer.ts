/**
 * A process that appends reports to an outbox as fast as it can and tells its parent (over IPC) how
 * far they are on disk; the crash test kills it with SIGKILL at any moment.
 * Usage: node outbox-writer.js <dir>
 */
import { Outbox } from '../../../worker/outbox/outbox.js';
import { silentLogger } from '../logger.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: outbox-writer <dir>');
const outbox = await Outbox.open({ dir, flushIntervalMs: 5, flushBytes: 64 * 1024, logger: silentLogger() });
const keys = ['a', 'b', 'c'].map((c) => ({ runId: c.repeat(24), instanceId: c.repeat(24), attempt: 1, leaseToken: `lease-${c}` }));
outbox.on('durable', (through) => process.send?.({ durable: through }));
process.send?.({ opened: outbox.durableThrough });
setInterval(() => {
  for (let i = 0; i < 25; i += 1) {
    // Nothing is ever acknowledged here, so the next outboxSeq is one past the pending count.
    outbox.append(keys[i % keys.length]!, { type: 'log', stream: 'stdout', text: `entry ${outbox.pendingCount + 1}\n` });
  }
}, 1);
