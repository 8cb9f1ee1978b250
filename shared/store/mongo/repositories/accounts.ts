/** Accounts: CRUD, soft removal, purge with everything owned, and the credential lookups. */
import type { HydratedDocument } from 'mongoose';
import { ConflictError, NotFoundError } from '../../../domain/errors.js';
import type { Id } from '../../../domain/ids.js';
import type { Account, AccountCredentials } from '../../../domain/model.js';
import type { ListQuery, Page, Scope } from '../../../domain/query.js';
import type { AccountPatch, AccountRepository, NewAccount } from '../../port.js';
import { accountOut, plain, type Raw } from '../convert.js';
import { emailKey, type AccountRecord } from '../models/account.js';
import { and, idEquals, scopeFilter, translateFields, translateQuery } from '../query.js';
import type { Tx } from '../transactions.js';
import { deleteOwned, deleteRuns, deleteWorkflows, dropUnusedPackages, hasActiveRun } from './cascade.js';
import { HIDDEN, findOne, findPage, hasChanges, type Context } from './context.js';
import { worktyAudience } from './workties.js';

type AccountDoc = HydratedDocument<AccountRecord>;

/** Each role once (a list given twice the same role means it once); anything else is left to validation. */
function distinct<T>(values: T[]): T[] {
  return Array.isArray(values) ? [...new Set(values)] : values;
}

export class MongoAccounts implements AccountRepository {
  constructor(private readonly ctx: Context) {}

  create(input: NewAccount): Promise<Account> {
    return this.ctx.tx.run(async (tx) => {
      const now = new Date();
      const doc = new this.ctx.models.Account({
        name: input.name,
        email: input.email,
        emailKey: typeof input.email === 'string' ? emailKey(input.email) : undefined,
        passwordHash: input.passwordHash,
        credentialsVersion: 1,
        aclRoleNames: distinct(input.aclRoleNames),
        amount: input.amount ?? 0,
        removed: false,
        removedDate: null,
        created: now,
        updated: now,
      });
      await doc.save({ session: tx.session });
      tx.change('account', 'created', doc._id, doc._id);
      return accountOut(plain(doc));
    });
  }

  async get(id: Id, scope: Scope, fields?: string[]): Promise<Account | null> {
    return findOne(this.ctx.models.Account, this.filter(id, scope), translateFields('account', fields), accountOut, HIDDEN.account);
  }

  async list(scope: Scope, query?: ListQuery): Promise<Page<Account>> {
    return findPage(this.ctx.models.Account, scopeFilter(scope, '_id'), translateQuery('account', query), accountOut, HIDDEN.account);
  }

  update(id: Id, scope: Scope, patch: AccountPatch): Promise<Account> {
    return this.ctx.tx.run(async (tx) => {
      const doc = await this.load(id, scope, tx);
      if (!hasChanges(patch)) return accountOut(plain(doc));
      const now = new Date();
      let credentialsChanged = false;
      if (patch.name !== undefined) doc.name = patch.name;
      if (patch.email !== undefined) {
        doc.email = patch.email;
        if (typeof patch.email === 'string') doc.emailKey = emailKey(patch.email);
      }
      if (patch.passwordHash !== undefined && patch.passwordHash !== doc.passwordHash) {
        doc.passwordHash = patch.passwordHash;
        credentialsChanged = true;
      }
      if (patch.aclRoleNames !== undefined) doc.set('aclRoleNames', distinct(patch.aclRoleNames));
      if (patch.amount !== undefined) doc.amount = patch.amount;
      if (patch.removed !== undefined && patch.removed !== doc.removed) {
        doc.removed = patch.removed;
        doc.removedDate = patch.removed ? now : null;
        credentialsChanged = true;
      }
      if (credentialsChanged) doc.credentialsVersion += 1;
      doc.updated = now;
      await doc.save();
      tx.change('account', 'updated', doc._id, doc._id, { removed: doc.removed });
      return accountOut(plain(doc));
    });
  }

  remove(id: Id, scope: Scope): Promise<Account> {
    return this.ctx.tx.run(async (tx) => {
      const doc = await this.load(id, scope, tx);
      if (doc.removed) return accountOut(plain(doc));
      const now = new Date();
      doc.removed = true;
      doc.removedDate = now;
      doc.credentialsVersion += 1;
      doc.updated = now;
      await doc.save();
      tx.change('account', 'updated', doc._id, doc._id, { removed: true });
      return accountOut(plain(doc));
    });
  }

  purge(id: Id, scope: Scope): Promise<void> {
    return this.ctx.tx.run(async (tx) => {
      const { Account, Workty, Payment, Token } = this.ctx.models;
      const doc = await this.load(id, scope, tx);
      const owned = { accountId: { $eq: doc._id } };
      // Deleting runs under a live engine would orphan its leases: stop them first.
      if (await hasActiveRun(this.ctx, tx, owned)) {
        throw new ConflictError('The account has an active run; stop it before deleting the account', 4);
      }
      await deleteWorkflows(this.ctx, tx, owned);
      await deleteRuns(this.ctx, tx, owned);
      const workties = await Workty.find(owned, { _id: 1, accountId: 1, template: 1, package: 1 }).session(tx.session).lean();
      await Workty.deleteMany(owned, { session: tx.session });
      for (const w of workties) tx.change('workty', 'deleted', w._id, worktyAudience(w), { template: w.template });
      await dropUnusedPackages(this.ctx, tx, workties.flatMap((w) => (w.package ? [w.package.hash] : [])));
      await deleteOwned(Payment, 'payment', owned, tx);
      await deleteOwned(Token, 'token', owned, tx);
      await Account.deleteOne({ _id: doc._id }, { session: tx.session });
      tx.change('account', 'deleted', doc._id, doc._id);
    });
  }

  async findCredentialsByEmail(email: string): Promise<AccountCredentials | null> {
    if (typeof email !== 'string') return null;
    return this.credentials({ emailKey: { $eq: emailKey(email) } });
  }

  getCredentials(id: Id): Promise<AccountCredentials | null> {
    return this.credentials(idEquals('_id', id));
  }

  private async credentials(filter: Raw): Promise<AccountCredentials | null> {
    const raw = await this.ctx.models.Account.findOne(filter).lean();
    if (raw === null) return null;
    return { account: accountOut(raw), passwordHash: raw.passwordHash, credentialsVersion: raw.credentialsVersion };
  }

  private filter(id: Id, scope: Scope): Raw {
    return and(idEquals('_id', id), scopeFilter(scope, '_id'));
  }

  private async load(id: Id, scope: Scope, tx: Tx): Promise<AccountDoc> {
    const doc = await this.ctx.models.Account.findOne(this.filter(id, scope)).session(tx.session);
    if (doc === null) throw new NotFoundError('Account', id);
    return doc;
  }

}
