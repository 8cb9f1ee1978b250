/** Socket.io bearer tokens: stored as hashes, expiring, revocable. */
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { newId, nowIso, type Id } from '../../domain/ids.js';
import type { Token, TokenCredentials } from '../../domain/model.js';
import { scopeAccount, type ListQuery, type Page, type Scope } from '../../domain/query.js';
import { RULES } from '../../domain/rules.js';
import type { NewToken, TokenRepository } from '../port.js';
import type { SqliteContext } from './database.js';
import { assertAccountExists } from './owners.js';
import { listPage, type ListSpec } from './query.js';
import { validate } from './validate.js';

interface TokenRow {
  _id: Id;
  accountId: Id;
  name: string;
  tokenHash: string;
  expires: string;
  revoked: number;
  created: string;
}

function toToken(row: TokenRow): Token {
  return { _id: row._id, accountId: row.accountId, name: row.name, expires: row.expires, revoked: row.revoked === 1, created: row.created };
}

export class SqliteTokens implements TokenRepository {
  constructor(private readonly ctx: SqliteContext) {}

  private scoped(id: Id, scope: Scope): TokenRow | null {
    const row = this.ctx.stmt('SELECT * FROM tokens WHERE _id = ?').get(id) as TokenRow | undefined;
    const tenant = scopeAccount(scope);
    return row === undefined || (tenant !== null && row.accountId !== tenant) ? null : row;
  }

  async create(input: NewToken): Promise<Token> {
    validate((c) => {
      c.id('accountId', input.accountId, true);
      c.text('name', input.name, RULES.tokenName);
      c.text('tokenHash', input.tokenHash, { required: true });
      c.iso('expires', input.expires, true);
    });
    return this.ctx.write(() => {
      assertAccountExists(this.ctx, input.accountId);
      if (this.ctx.stmt('SELECT 1 FROM tokens WHERE tokenHash = ?').get(input.tokenHash) !== undefined) {
        throw new ConflictError('A token with this hash exists already');
      }
      const row: TokenRow = {
        _id: newId(), accountId: input.accountId, name: input.name ?? '', tokenHash: input.tokenHash,
        expires: new Date(input.expires).toISOString(), revoked: 0, created: nowIso(),
      };
      this.ctx.stmt(`INSERT INTO tokens (_id, accountId, name, tokenHash, expires, revoked, created)
        VALUES (@_id, @accountId, @name, @tokenHash, @expires, @revoked, @created)`).run(row);
      this.ctx.change('token', 'created', row._id, row.accountId);
      return toToken(row);
    });
  }

  async findValid(tokenHash: string, now: Date = new Date()): Promise<TokenCredentials | null> {
    if (typeof tokenHash !== 'string') return null;
    const row = this.ctx.stmt('SELECT * FROM tokens WHERE tokenHash = ? AND revoked = 0 AND expires > ?')
      .get(tokenHash, now.toISOString()) as TokenRow | undefined;
    return row === undefined ? null : { token: toToken(row), tokenHash: row.tokenHash };
  }

  async get(id: Id, scope: Scope): Promise<Token | null> {
    const row = this.scoped(id, scope);
    return row === null ? null : toToken(row);
  }

  async list(scope: Scope, query?: ListQuery): Promise<Page<Token>> {
    const tenant = scopeAccount(scope);
    const spec: ListSpec = {
      entity: 'token', table: 'tokens', where: tenant === null ? [] : ['accountId = ?'], params: tenant === null ? [] : [tenant],
      defaultOrder: '"created" ASC', tieBreak: '"_id" ASC',
    };
    return listPage(this.ctx, spec, query, toToken);
  }

  async revoke(id: Id, scope: Scope): Promise<Token> {
    return this.ctx.write(() => {
      const row = this.scoped(id, scope);
      if (row === null) throw new NotFoundError('Token', id);
      if (row.revoked === 1) return toToken(row);
      this.ctx.stmt('UPDATE tokens SET revoked = 1 WHERE _id = ?').run(id);
      this.ctx.change('token', 'updated', id, row.accountId, { revoked: true });
      return toToken({ ...row, revoked: 1 });
    });
  }

  async purgeExpired(now: Date = new Date()): Promise<number> {
    return this.ctx.write(() => {
      const cutoff = now.toISOString();
      const expired = this.ctx.stmt('SELECT _id, accountId FROM tokens WHERE expires < ?').all(cutoff) as Array<{ _id: Id; accountId: Id }>;
      this.ctx.stmt('DELETE FROM tokens WHERE expires < ?').run(cutoff);
      for (const token of expired) this.ctx.change('token', 'deleted', token._id, token.accountId);
      return expired.length;
    });
  }
}
