/**
 * Captured output: chunks deduplicated by (run, instance, attempt, seq) and bounded in UTF-8 bytes
 * per attempt. The bytes stored so far live in one `logtotals` document per attempt, made when the
 * attempt is dispatched (so never raced for) and updated in the same transaction as the chunks, so
 * concurrent appends for one attempt serialise on it.
 */
import { Types } from 'mongoose';
import type { LogChunk } from '../../../domain/model.js';
import { idOut, toObjectIds } from '../convert.js';
import { LOG_STREAMS } from '../models/run.js';
import type { Tx } from '../transactions.js';
import { check } from './checks.js';
import type { Context } from './context.js';

type NewChunk = Omit<LogChunk, 'at'>;

/** Makes the totals document of a new attempt (inside the dispatch's transaction). */
export async function openLogTotal(ctx: Context, tx: Tx, runId: Types.ObjectId, instanceId: Types.ObjectId, attempt: number): Promise<void> {
  await ctx.models.LogTotal.updateOne(
    { runId, instanceId, attempt },
    { $setOnInsert: { bytes: 0 } },
    { upsert: true, session: tx.session },
  );
}

/** The arguments of `appendLogs`, checked before anything is written. */
export function checkLogChunks(chunks: readonly NewChunk[], maxBytesPerAttempt: number): void {
  check((c) => {
    c.integer('maxBytesPerAttempt', maxBytesPerAttempt, 0, true);
    if (!Array.isArray(chunks)) return c.fail('chunks', 'must be an array of chunks');
    chunks.forEach((chunk, i) => {
      c.integer(`chunks.${i}.attempt`, chunk.attempt, 1, true);
      c.integer(`chunks.${i}.seq`, chunk.seq, 0, true);
      c.oneOf(`chunks.${i}.stream`, chunk.stream, LOG_STREAMS, true);
      if (typeof chunk.text !== 'string') c.fail(`chunks.${i}.text`, 'must be a string');
    });
  });
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that does not split a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * Which chunks of one attempt to store, in the order given: new seqs only (the first of a seq
 * wins), within `budget` bytes; the chunk that crosses the bound is cut on a character boundary,
 * a non-empty chunk with no room left is dropped.
 */
export function selectChunks(chunks: readonly NewChunk[], storedSeqs: ReadonlySet<number>, budget: number): NewChunk[] {
  const seen = new Set(storedSeqs);
  const out: NewChunk[] = [];
  let remaining = Math.max(0, budget);
  for (const chunk of chunks) {
    if (seen.has(chunk.seq)) continue;
    seen.add(chunk.seq);
    const text = truncateUtf8(chunk.text, remaining);
    if (text.length === 0 && chunk.text.length > 0) continue;
    remaining -= Buffer.byteLength(text, 'utf8');
    out.push({ ...chunk, text });
  }
  return out;
}

/** Stores new chunks of instances of existing runs (others are ignored); returns how many were stored. */
export async function storeLogChunks(ctx: Context, tx: Tx, chunks: readonly NewChunk[], maxBytesPerAttempt: number): Promise<number> {
  const { Run, Log, LogTotal } = ctx.models;
  const runIds = toObjectIds([...new Set(chunks.map((c) => c.runId))]);
  const runs = await Run.find({ _id: { $in: runIds } }, { 'instances.instanceId': 1 })
    .session(tx.session).lean<Array<{ _id: Types.ObjectId; instances: Array<{ instanceId: Types.ObjectId }> }>>();
  const known = new Set(runs.flatMap((run) => run.instances.map((i) => `${idOut(run._id)}:${idOut(i.instanceId)}`)));
  const groups = new Map<string, NewChunk[]>();
  for (const chunk of chunks) {
    if (!known.has(`${chunk.runId}:${chunk.instanceId}`)) continue;
    const key = `${chunk.runId}:${chunk.instanceId}:${chunk.attempt}`;
    groups.set(key, [...(groups.get(key) ?? []), chunk]);
  }
  let stored = 0;
  for (const group of groups.values()) {
    const first = group[0];
    if (first === undefined) continue;
    const attemptKey = { runId: new Types.ObjectId(first.runId), instanceId: new Types.ObjectId(first.instanceId), attempt: first.attempt };
    const existing = await Log.find({ ...attemptKey, seq: { $in: group.map((c) => c.seq) } }, { seq: 1 }).session(tx.session).lean();
    const total = await LogTotal.findOne(attemptKey, { bytes: 1 }).session(tx.session).lean();
    const selected = selectChunks(group, new Set(existing.map((e) => e.seq)), maxBytesPerAttempt - (total?.bytes ?? 0));
    if (selected.length === 0) continue;
    // The totals document first: a concurrent append for this attempt then fails on it with a
    // (retried) write conflict before either inserts a chunk, and the retry sees the other's chunks.
    const bytes = selected.reduce((sum, c) => sum + Buffer.byteLength(c.text, 'utf8'), 0);
    await LogTotal.updateOne(attemptKey, { $inc: { bytes } }, { upsert: true, session: tx.session });
    const at = new Date();
    await Log.insertMany(selected.map((c) => ({ ...c, at })), { session: tx.session });
    stored += selected.length;
  }
  return stored;
}
