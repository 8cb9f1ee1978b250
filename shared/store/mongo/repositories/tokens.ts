/** Socket tokens: only their hash is kept; expiring and revocable. */
import { NotFoundError } from '../../../domain/errors.js';
import type { Id } from '../../../domain/ids.js';
import type { Token, TokenCredentials } from '../../../domain/model.js';
import type { ListQuery, Page, Scope } from '../../../domain/query.js';
import type { NewToken, TokenRepository } from '../../port.js';
import { plain, tokenOut, type Raw } from '../convert.js';
import { and, idEquals, scopeFilter, translateQuery } from '../query.js';
import { requireOwner } from './cascade.js';
import { HIDDEN, findOne, findPage, type Context } from './context.js';

export class MongoTokens implements TokenRepository {
  constructor(private readonly ctx: Context) {}

  create(input: NewToken): Promise<Token> {
    return this.ctx.tx.run(async (tx) => {
      const doc = new this.ctx.models.Token({
        accountId: input.accountId, name: input.name ?? '', tokenHash: input.tokenHash, expires: input.expires, revoked: false,
        created: new Date(),
      });
      await doc.validate();
      await requireOwner(this.ctx, tx, doc.accountId);
      await doc.save({ session: tx.session });
      tx.change('token', 'created', doc._id, doc.accountId);
      return tokenOut(plain(doc));
    });
  }

  async findValid(tokenHash: string, now: Date = new Date()): Promise<TokenCredentials | null> {
    if (typeof tokenHash !== 'string') return null;
    const raw = await this.ctx.models.Token.findOne({
      tokenHash: { $eq: tokenHash }, revoked: { $eq: false }, expires: { $gt: now },
    }).lean();
    return raw === null ? null : { token: tokenOut(raw), tokenHash: raw.tokenHash };
  }

  get(id: Id, scope: Scope): Promise<Token | null> {
    return findOne(this.ctx.models.Token, this.filter(id, scope), null, tokenOut, HIDDEN.token);
  }

  async list(scope: Scope, query?: ListQuery): Promise<Page<Token>> {
    return findPage(this.ctx.models.Token, scopeFilter(scope), translateQuery('token', query), tokenOut, HIDDEN.token);
  }

  revoke(id: Id, scope: Scope): Promise<Token> {
    return this.ctx.tx.run(async (tx) => {
      const doc = await this.ctx.models.Token.findOne(this.filter(id, scope)).session(tx.session);
      if (doc === null) throw new NotFoundError('Token', id);
      if (doc.revoked) return tokenOut(plain(doc));
      doc.revoked = true;
      await doc.save();
      tx.change('token', 'updated', doc._id, doc.accountId, { revoked: true });
      return tokenOut(plain(doc));
    });
  }

  purgeExpired(now: Date = new Date()): Promise<number> {
    return this.ctx.tx.run(async (tx) => {
      const { Token } = this.ctx.models;
      const expired = { expires: { $lt: now } };
      const rows = await Token.find(expired, { _id: 1, accountId: 1 }).session(tx.session).lean();
      if (rows.length === 0) return 0;
      await Token.deleteMany({ _id: { $in: rows.map((r) => r._id) } }, { session: tx.session });
      for (const row of rows) tx.change('token', 'deleted', row._id, row.accountId);
      return rows.length;
    });
  }

  private filter(id: Id, scope: Scope): Raw {
    return and(idEquals('_id', id), scopeFilter(scope));
  }
}
