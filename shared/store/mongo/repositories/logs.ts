/**
 * Captured output: chunks deduplicated by (run, instance, attempt, seq) and bounded in bytes per
 * attempt. The bytes stored so far live in one `logtotals` document per attempt, made when the
 * attempt is dispatched (so never raced for) and updated in the same transaction as the chunks, so
 * concurrent appends for one attempt serialise on it.
 */
import type { Types } from 'mongoose';
import type { LogChunk } from '../../../domain/model.js';
import { isId } from '../../../domain/ids.js';
import { toObjectId } from '../convert.js';
import type { Tx } from '../transactions.js';
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
 * Which chunks of one attempt to store: new seqs only (first occurrence wins), in seq order, until
 * the byte budget is spent; the chunk that crosses the limit is cut to fit, later ones are dropped.
 */
export function selectChunks(chunks: readonly NewChunk[], storedSeqs: ReadonlySet<number>, budget: number): NewChunk[] {
  const seen = new Set(storedSeqs);
  const out: NewChunk[] = [];
  let remaining = budget;
  for (const chunk of [...chunks].sort((a, b) => a.seq - b.seq)) {
    if (seen.has(chunk.seq)) continue;
    seen.add(chunk.seq);
    if (remaining <= 0) break;
    const text = truncateUtf8(chunk.text, remaining);
    remaining -= Buffer.byteLength(text, 'utf8');
    out.push({ ...chunk, text });
  }
  return out;
}

/** Stores new chunks of existing runs; returns how many were stored. */
export async function storeLogChunks(ctx: Context, tx: Tx, chunks: readonly NewChunk[], maxBytesPerAttempt: number): Promise<number> {
  const { Run, Log, LogTotal } = ctx.models;
  const groups = new Map<string, NewChunk[]>();
  for (const chunk of chunks) {
    if (!isId(chunk.runId) || !isId(chunk.instanceId)) continue;
    const key = `${chunk.runId}:${chunk.instanceId}:${chunk.attempt}`;
    groups.set(key, [...(groups.get(key) ?? []), chunk]);
  }
  const runIds = [...new Set([...groups.values()].map((g) => g[0]?.runId))].map(toObjectId).filter((id): id is Types.ObjectId => id !== null);
  const existingRuns = await Run.find({ _id: { $in: runIds } }, { _id: 1 }).session(tx.session).lean();
  const known = new Set(existingRuns.map((r) => r._id.toHexString()));
  let stored = 0;
  for (const group of groups.values()) {
    const first = group[0];
    if (first === undefined || !known.has(first.runId)) continue;
    const attemptKey = { runId: toObjectId(first.runId), instanceId: toObjectId(first.instanceId), attempt: first.attempt };
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
