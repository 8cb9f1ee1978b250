/** The change feed, read in commit order (see transactions.ts for how seq order = commit order). */
import type { ChangeEvent } from '../../../domain/model.js';
import type { ChangeFeed } from '../../port.js';
import { changeOut } from '../convert.js';
import { CHANGES_COUNTER } from '../models/change.js';
import type { Context } from './context.js';

/** Events returned by one `read` when the caller gives no limit, and the most one read returns. */
export const DEFAULT_CHANGES_LIMIT = 1000;
export const MAX_CHANGES_LIMIT = 10_000;

export class MongoChanges implements ChangeFeed {
  constructor(private readonly ctx: Context) {}

  async read(afterSeq: number, limit: number = DEFAULT_CHANGES_LIMIT): Promise<ChangeEvent[]> {
    const after = Number.isFinite(afterSeq) ? Math.floor(afterSeq) : 0;
    const count = Number.isFinite(limit) ? Math.min(Math.max(1, Math.floor(limit)), MAX_CHANGES_LIMIT) : DEFAULT_CHANGES_LIMIT;
    const rows = await this.ctx.models.Change.find({ seq: { $gt: after } }).sort({ seq: 1 }).limit(count).lean();
    return rows.map(changeOut);
  }

  async head(): Promise<number> {
    const counter = await this.ctx.models.Counter.findOne({ _id: CHANGES_COUNTER }).lean();
    return counter?.seq ?? 0;
  }

  async prune(uptoSeq: number): Promise<number> {
    if (!Number.isFinite(uptoSeq)) return 0;
    const result = await this.ctx.models.Change.deleteMany({ seq: { $lte: Math.floor(uptoSeq) } });
    return result.deletedCount;
  }
}
