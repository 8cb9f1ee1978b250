/** Accounts: credentials kept apart from documents, soft delete, and the purge cascade. */
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { newId, nowIso, type Id } from '../../domain/ids.js';
import { ROLE_NAMES, type Account, type AccountCredentials, type RoleName } from '../../domain/model.js';
import { project, scopeAccount, type ListQuery, type Page, type Scope } from '../../domain/query.js';
import { RULES } from '../../domain/rules.js';
import type { AccountPatch, AccountRepository, NewAccount } from '../port.js';
import { purgeAccountData } from './cascade.js';
import { bit, type SqliteContext } from './database.js';
import { listPage, projection, type ListSpec } from './query.js';
import { validate, type Checker } from './validate.js';

interface AccountRow {
  _id: Id;
  name: string;
  email: string;
  emailKey: string;
  passwordHash: string;
  credentialsVersion: number;
  aclRoleNames: string;
  amount: number;
  removed: number;
  removedDate: string | null;
  created: string;
  updated: string;
}

/** The document: every column except the credential ones. */
export function toAccount(row: AccountRow): Account {
  return {
    _id: row._id, name: row.name, email: row.email, aclRoleNames: JSON.parse(row.aclRoleNames) as RoleName[],
    amount: row.amount, removed: row.removed === 1, removedDate: row.removedDate, created: row.created, updated: row.updated,
  };
}

function toCredentials(row: AccountRow): AccountCredentials {
  return { account: toAccount(row), passwordHash: row.passwordHash, credentialsVersion: row.credentialsVersion };
}

/** The credential lookup of every authenticated request, read as an array of columns (see RowCodec). */
const CREDENTIALS_BY_EMAIL = `SELECT _id, name, email, aclRoleNames, amount, removed, removedDate, created, updated,
  passwordHash, credentialsVersion FROM accounts WHERE emailKey = ?`;

function credentialsOf(v: unknown[]): AccountCredentials {
  const account: Account = {
    _id: v[0] as Id, name: v[1] as string, email: v[2] as string, aclRoleNames: JSON.parse(v[3] as string) as RoleName[],
    amount: v[4] as number, removed: v[5] === 1, removedDate: v[6] as string | null, created: v[7] as string, updated: v[8] as string,
  };
  return { account, passwordHash: v[9] as string, credentialsVersion: v[10] as number };
}

const emailKey = (email: string): string => email.toLowerCase();

const PATCH_KEYS = ['name', 'email', 'passwordHash', 'aclRoleNames', 'amount', 'removed'] as const satisfies ReadonlyArray<keyof AccountPatch>;

function checkFields(c: Checker, input: Partial<NewAccount & AccountPatch>, creating: boolean): void {
  c.text('name', input.name, { required: creating, ...RULES.name });
  c.text('email', input.email, { required: creating, ...RULES.email, patternWhy: 'not an email address' });
  c.text('passwordHash', input.passwordHash, { required: creating, min: 1 });
  if (input.aclRoleNames === undefined) {
    if (creating) c.missing('aclRoleNames');
  } else if (!Array.isArray(input.aclRoleNames)) {
    c.fail('aclRoleNames', 'must be an array of role names');
  } else {
    input.aclRoleNames.forEach((role, i) => c.oneOf(`aclRoleNames.${i}`, role, ROLE_NAMES, true));
  }
  c.cents('amount', input.amount);
  c.boolean('removed', input.removed);
}

function inScope(row: AccountRow | undefined, scope: Scope): row is AccountRow {
  const tenant = scopeAccount(scope);
  return row !== undefined && (tenant === null || tenant === row._id);
}

export class SqliteAccounts implements AccountRepository {
  constructor(private readonly ctx: SqliteContext) {}

  private row(id: Id): AccountRow | undefined {
    return this.ctx.stmt('SELECT * FROM accounts WHERE _id = ?').get(id) as AccountRow | undefined;
  }

  private scoped(id: Id, scope: Scope): AccountRow {
    const row = this.row(id);
    if (!inScope(row, scope)) throw new NotFoundError('Account', id);
    return row;
  }

  private assertEmailFree(email: string, exceptId: Id | null): void {
    const holder = this.ctx.stmt('SELECT _id FROM accounts WHERE emailKey = ?').get(emailKey(email)) as { _id: Id } | undefined;
    if (holder !== undefined && holder._id !== exceptId) throw new ConflictError(`Email ${email} is already in use`);
  }

  async create(input: NewAccount): Promise<Account> {
    validate((c) => checkFields(c, input, true));
    return this.ctx.write(() => {
      this.assertEmailFree(input.email, null);
      const now = nowIso();
      const row: AccountRow = {
        _id: newId(), name: input.name, email: input.email, emailKey: emailKey(input.email), passwordHash: input.passwordHash,
        credentialsVersion: 1, aclRoleNames: JSON.stringify([...new Set(input.aclRoleNames)]), amount: input.amount ?? 0,
        removed: 0, removedDate: null, created: now, updated: now,
      };
      this.ctx.stmt(`INSERT INTO accounts (_id, name, email, emailKey, passwordHash, credentialsVersion, aclRoleNames, amount,
        removed, removedDate, created, updated) VALUES (@_id, @name, @email, @emailKey, @passwordHash, @credentialsVersion,
        @aclRoleNames, @amount, @removed, @removedDate, @created, @updated)`).run(row);
      this.ctx.change('account', 'created', row._id, row._id);
      return toAccount(row);
    });
  }

  async get(id: Id, scope: Scope, fields?: string[]): Promise<Account | null> {
    const wanted = projection('account', fields);
    const row = this.row(id);
    return inScope(row, scope) ? project(toAccount(row), wanted) : null;
  }

  async list(scope: Scope, query?: ListQuery): Promise<Page<Account>> {
    const tenant = scopeAccount(scope);
    const spec: ListSpec = {
      entity: 'account', table: 'accounts', where: tenant === null ? [] : ['_id = ?'], params: tenant === null ? [] : [tenant],
      defaultOrder: '"created" ASC', tieBreak: '"_id" ASC',
    };
    return listPage(this.ctx, spec, query, toAccount);
  }

  async update(id: Id, scope: Scope, patch: AccountPatch): Promise<Account> {
    validate((c) => checkFields(c, patch, false));
    return this.ctx.write(() => {
      const row = this.scoped(id, scope);
      if (!PATCH_KEYS.some((key) => patch[key] !== undefined)) return toAccount(row);
      if (patch.email !== undefined) this.assertEmailFree(patch.email, id);
      const next: AccountRow = { ...row, updated: nowIso() };
      if (patch.name !== undefined) next.name = patch.name;
      if (patch.email !== undefined) {
        next.email = patch.email;
        next.emailKey = emailKey(patch.email);
      }
      if (patch.aclRoleNames !== undefined) next.aclRoleNames = JSON.stringify([...new Set(patch.aclRoleNames)]);
      if (patch.amount !== undefined) next.amount = patch.amount;
      let credentialsChanged = false;
      if (patch.passwordHash !== undefined && patch.passwordHash !== row.passwordHash) {
        next.passwordHash = patch.passwordHash;
        credentialsChanged = true;
      }
      if (patch.removed !== undefined && bit(patch.removed) !== row.removed) {
        next.removed = bit(patch.removed);
        next.removedDate = patch.removed ? next.updated : null;
        credentialsChanged = true;
      }
      if (credentialsChanged) next.credentialsVersion = row.credentialsVersion + 1;
      this.save(next);
      this.ctx.change('account', 'updated', id, id, { removed: next.removed === 1 });
      return toAccount(next);
    });
  }

  private save(row: AccountRow): void {
    this.ctx.stmt(`UPDATE accounts SET name = @name, email = @email, emailKey = @emailKey, passwordHash = @passwordHash,
      credentialsVersion = @credentialsVersion, aclRoleNames = @aclRoleNames, amount = @amount, removed = @removed,
      removedDate = @removedDate, updated = @updated WHERE _id = @_id`).run(row);
  }

  async remove(id: Id, scope: Scope): Promise<Account> {
    return this.ctx.write(() => {
      const row = this.scoped(id, scope);
      if (row.removed === 1) return toAccount(row);
      const now = nowIso();
      const next: AccountRow = { ...row, removed: 1, removedDate: now, updated: now, credentialsVersion: row.credentialsVersion + 1 };
      this.save(next);
      this.ctx.change('account', 'updated', id, id, { removed: true });
      return toAccount(next);
    });
  }

  async purge(id: Id, scope: Scope): Promise<void> {
    this.ctx.write(() => {
      this.scoped(id, scope);
      purgeAccountData(this.ctx, id);
    });
  }

  async findCredentialsByEmail(email: string): Promise<AccountCredentials | null> {
    if (typeof email !== 'string') return null;
    const values = this.ctx.raw(CREDENTIALS_BY_EMAIL).get(emailKey(email)) as unknown[] | undefined;
    return values === undefined ? null : credentialsOf(values);
  }

  async getCredentials(id: Id): Promise<AccountCredentials | null> {
    const row = this.row(id);
    return row === undefined ? null : toCredentials(row);
  }
}
