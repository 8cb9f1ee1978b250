/**
 * The role matrix of the 2016 platform (ORIGINAL.md "Role matrix"), enforced in one place: REST and
 * socket.io both ask `authorize()` before touching the store, and scope the store call with the
 * result.
 */
import { ForbiddenError } from './errors.js';
import type { Account, RoleName } from './model.js';
import type { Scope } from './query.js';

export type Resource = 'accounts' | 'workflows' | 'workties' | 'payments' | 'devices' | 'runs' | 'tokens' | 'dictionaries';
export type Action = 'view' | 'create' | 'update' | 'delete';

/**
 * - `all`: every document;
 * - `own`: the caller's documents only (for accounts: the caller's own account);
 * - `ownAndTemplates`: the caller's workties and the catalogue's templates.
 */
export type Reach = 'all' | 'own' | 'ownAndTemplates';

type Grants = Partial<Record<Resource, Partial<Record<Action, Reach>>>>;

const EVERYTHING: Record<Action, Reach> = { view: 'all', create: 'all', update: 'all', delete: 'all' };

export const ROLE_GRANTS: Record<RoleName, Grants> = {
  admin: {
    accounts: EVERYTHING, workflows: EVERYTHING, workties: EVERYTHING, payments: EVERYTHING,
    devices: EVERYTHING, runs: EVERYTHING, tokens: EVERYTHING, dictionaries: { view: 'all' },
  },
  regular: {
    accounts: { view: 'own', update: 'own', delete: 'own' },
    workflows: { view: 'own', create: 'own', update: 'own', delete: 'own' },
    runs: { view: 'own', create: 'own', update: 'own' },
    workties: { view: 'ownAndTemplates' },
    payments: { view: 'own', create: 'own' },
    tokens: { view: 'own', create: 'own', delete: 'own' },
    dictionaries: { view: 'all' },
  },
};

const BREADTH: Record<Reach, number> = { own: 0, ownAndTemplates: 1, all: 2 };

/** The widest reach any of the account's roles grants for the action, or null. */
export function reachOf(roles: readonly RoleName[], resource: Resource, action: Action): Reach | null {
  let best: Reach | null = null;
  for (const role of roles) {
    const reach = ROLE_GRANTS[role]?.[resource]?.[action];
    if (reach !== undefined && (best === null || BREADTH[reach] > BREADTH[best])) best = reach;
  }
  return best;
}

export function isAdmin(account: Pick<Account, 'aclRoleNames'>): boolean {
  return account.aclRoleNames.includes('admin');
}

export interface Authorization {
  reach: Reach;
  /** The store scope to apply: the caller's tenant unless the reach is `all`. */
  scope: Scope;
  /** For `ownAndTemplates`: reads also see templates. */
  withTemplates: boolean;
}

/**
 * Throws ForbiddenError (code 13) when none of the caller's roles grants the action; otherwise says
 * how far the caller reaches. A removed account reaches nothing (code 14).
 */
export function authorize(account: Account, resource: Resource, action: Action): Authorization {
  if (account.removed) throw new ForbiddenError('Account removed', 14);
  const reach = reachOf(account.aclRoleNames, resource, action);
  if (reach === null) throw new ForbiddenError(`Role lacks the permission to ${action} ${resource}`);
  return {
    reach,
    scope: reach === 'all' ? { all: true } : { accountId: account._id },
    withTemplates: reach === 'ownAndTemplates',
  };
}
