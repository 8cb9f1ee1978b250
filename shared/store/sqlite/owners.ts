/** Checks that a document's owner exists before it is written (an owned document never dangles). */
import { NotFoundError } from '../../domain/errors.js';
import type { Id } from '../../domain/ids.js';
import type { SqliteContext } from './database.js';

export function assertAccountExists(ctx: SqliteContext, accountId: Id): void {
  if (ctx.stmt('SELECT 1 FROM accounts WHERE _id = ?').get(accountId) === undefined) throw new NotFoundError('Account', accountId);
}
