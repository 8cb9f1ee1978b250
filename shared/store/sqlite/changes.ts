/**
 * The change feed. Writers append inside their transaction (`SqliteContext.change`); SQLite has one
 * writer at a time, so the AUTOINCREMENT sequence is commit order, and a reader never sees seq n+1
 * before seq n.
 */
import type { EntityKind, ChangeEvent } from '../../domain/model.js';
import type { ChangeFeed } from '../port.js';
import type { SqliteContext } from './database.js';

/** Events returned by one read when no limit is given, and the most one read returns. */
export const DEFAULT_CHANGES_LIMIT = 1000;
export const MAX_CHANGES_LIMIT = 10_000;

interface ChangeRow {
  seq: number;
  at: string;
  entity: string;
  op: string;
  id: string;
  accountId: string | null;
  data: string;
}

function toChange(row: ChangeRow): ChangeEvent {
  return {
    seq: row.seq, at: row.at, entity: row.entity as EntityKind, op: row.op as ChangeEvent['op'], id: row.id,
    accountId: row.accountId, data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

export class SqliteChanges implements ChangeFeed {
  constructor(private readonly ctx: SqliteContext) {}

  async read(afterSeq: number, limit: number = DEFAULT_CHANGES_LIMIT): Promise<ChangeEvent[]> {
    const bounded = Math.min(Math.max(1, Math.floor(limit)), MAX_CHANGES_LIMIT);
    const after = Number.isFinite(afterSeq) ? Math.floor(afterSeq) : 0;
    // `LIMIT +?`: see PAGE_CLAUSE in query.ts (a bare bound LIMIT is planned again on every read).
    const rows = this.ctx.stmt('SELECT * FROM changes WHERE seq > ? ORDER BY seq LIMIT +?').all(after, bounded) as ChangeRow[];
    return rows.map(toChange);
  }

  /** The newest sequence number ever assigned (it survives prune()). */
  async head(): Promise<number> {
    const row = this.ctx.stmt(`SELECT seq FROM sqlite_sequence WHERE name = 'changes'`).get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  async prune(uptoSeq: number): Promise<number> {
    return this.ctx.write(() => this.ctx.stmt('DELETE FROM changes WHERE seq <= ?').run(Math.floor(uptoSeq)).changes);
  }
}
