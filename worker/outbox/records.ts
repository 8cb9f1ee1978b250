/**
 * The outbox file format: one record per line, `<crc32 as 8 hex digits> <JSON>\n`. The checksum lets
 * recovery tell a torn last line (power cut in the middle of a write) from a good one; a bad line is
 * skipped and the file is rewritten without it.
 *
 * Records:
 * - `h` header, first line of a compacted file: the counters and the attempts still tracked;
 * - `r` a report with its outboxSeq;
 * - `a` every report up to `o` was acknowledged by the supervisor;
 * - `d` an attempt was dropped (the supervisor no longer considers it this worker's).
 */
import { crc32 } from 'node:zlib';
import type { AttemptKey, Report } from '../../shared/protocol/worker.js';

/** What the outbox keeps per attempt while it has unacknowledged reports or is still running. */
export interface AttemptRow {
  key: AttemptKey;
  /** The `seq` of this attempt's next report (dense from 1). */
  nextSeq: number;
  /** A `finished` report was appended. */
  finished: boolean;
  /** Process id of the task (the leader of its process group), once started. */
  pid: number | null;
}

export type OutboxRecord =
  | { k: 'h'; next: number; acked: number; attempts: AttemptRow[] }
  | { k: 'r'; o: number; r: Report }
  | { k: 'a'; o: number }
  | { k: 'd'; id: string };

/** Identity of an attempt in the outbox (the lease token is not part of it). */
export function attemptId(key: Pick<AttemptKey, 'runId' | 'instanceId' | 'attempt'>): string {
  return `${key.runId}/${key.instanceId}/${key.attempt}`;
}

export function encodeRecord(record: OutboxRecord): string {
  const json = JSON.stringify(record);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

export interface DecodedFile {
  records: OutboxRecord[];
  /** Lines whose checksum or JSON was bad (skipped). */
  badLines: number;
  /** The file ended in the middle of a line (a torn write). */
  tornTail: boolean;
}

export function decodeFile(text: string): DecodedFile {
  const records: OutboxRecord[] = [];
  let badLines = 0;
  const lines = text.split('\n');
  // Text after the last newline was never completed.
  const tail = lines.pop() ?? '';
  for (const line of lines) {
    const record = decodeLine(line);
    if (record === null) badLines += 1;
    else records.push(record);
  }
  return { records, badLines, tornTail: tail.length > 0 };
}

function decodeLine(line: string): OutboxRecord | null {
  if (line.length < 10 || line[8] !== ' ') return null;
  const json = line.slice(9);
  if (Number.parseInt(line.slice(0, 8), 16) !== crc32(json)) return null;
  try {
    const record = JSON.parse(json) as OutboxRecord;
    return typeof record === 'object' && record !== null && typeof record.k === 'string' ? record : null;
  } catch {
    return null;
  }
}
