/**
 * Accounts. Admins manage every account; a regular user reads, updates and deletes only their own.
 * Roles, balance and the removed flag are set by admins only: a regular user naming one of them gets
 * 403 and nothing changes. Every password is hashed before it reaches the store.
 */
import { z } from 'zod';
import { isAdmin } from '../domain/acl.js';
import { ForbiddenError } from '../domain/errors.js';
import type { Account } from '../domain/model.js';
import { accountRep } from '../representation/documents.js';
import type { AccountPatch } from '../store/port.js';
import type { ServiceDeps } from './deps.js';
import { centsField, emailField, nameField, objectId, passwordField, rolesField } from './fields.js';
import { listQuerySchema, prettyParam, readQuerySchema, toListQuery } from './list-query.js';
import { defined, deleted, embedContext, listResult, readResult, requireChanges, toDocument } from './results.js';
import { useCase } from './use-case.js';

export const accountParams = z.strictObject({
  id: z.union([objectId, z.literal('me')]).meta({ description: 'An account id, or `me` for the caller' }),
});

export const newAccount = z.strictObject({
  name: nameField,
  email: emailField,
  password: passwordField,
  aclRoleNames: rolesField.optional().meta({ description: 'Default: ["regular"]' }),
  amount: centsField.optional().meta({ description: 'Opening balance in cents (default 0)' }),
});

export const accountUpdate = z.strictObject({
  name: nameField.optional(),
  email: emailField.optional(),
  password: passwordField.optional(),
  aclRoleNames: rolesField.optional().meta({ description: 'Admins only' }),
  amount: centsField.optional().meta({ description: 'Balance in cents; admins only' }),
  removed: z.boolean().optional().meta({ description: 'Admins only; false restores a removed account' }),
});

export const accountDeleteOptions = z.strictObject({
  pretty: prettyParam,
  removing: z.enum(['true', 'false']).transform((v) => v === 'true').optional()
    .meta({ description: '`true`: delete the account with its workflows, workties, payments, runs and tokens' }),
});

const ADMIN_ONLY = ['aclRoleNames', 'amount', 'removed'] as const;

function resolve(id: string, caller: Account): string {
  return id === 'me' ? caller._id : id;
}

export function accountUseCases({ store, hasher }: ServiceDeps) {
  return {
    list: useCase({
      permission: ['accounts', 'view'],
      query: listQuerySchema(accountRep),
      async run(actor, { query }) {
        const parsed = toListQuery(accountRep, query);
        return listResult(accountRep, await store.accounts.list(actor.auth.scope, parsed.query), parsed, embedContext(store, actor));
      },
    }),
    create: useCase({
      permission: ['accounts', 'create'],
      body: newAccount,
      async run(_actor, { body }) {
        const { password, ...rest } = body;
        const account = await store.accounts.create({
          name: rest.name,
          email: rest.email,
          aclRoleNames: rest.aclRoleNames ?? ['regular'],
          amount: rest.amount ?? 0,
          passwordHash: await hasher.hash(password),
        });
        return toDocument(accountRep, account);
      },
    }),
    /** The caller's own account. */
    getOwn: useCase({
      permission: ['accounts', 'view'],
      query: readQuerySchema(),
      async run(actor, { query }) {
        const id = actor.caller._id;
        return readResult(accountRep, 'Account', id, query, (fields) => store.accounts.get(id, actor.auth.scope, fields), embedContext(store, actor));
      },
    }),
    /** One account; `me` is the caller's own. */
    get: useCase({
      permission: ['accounts', 'view'],
      params: accountParams,
      query: readQuerySchema(),
      async run(actor, { params, query }) {
        const id = resolve(params.id, actor.caller);
        return readResult(accountRep, 'Account', id, query, (fields) => store.accounts.get(id, actor.auth.scope, fields), embedContext(store, actor));
      },
    }),
    update: useCase({
      permission: ['accounts', 'update'],
      params: accountParams,
      body: accountUpdate,
      async run(actor, { params, body }) {
        requireChanges(body);
        const adminOnly = ADMIN_ONLY.filter((field) => body[field] !== undefined);
        if (adminOnly.length > 0 && !isAdmin(actor.caller)) {
          throw new ForbiddenError(`Only admins may set ${adminOnly.join(', ')}`);
        }
        const { password, ...rest } = body;
        const patch: AccountPatch = defined(rest);
        if (password !== undefined) patch.passwordHash = await hasher.hash(password);
        return toDocument(accountRep, await store.accounts.update(resolve(params.id, actor.caller), actor.auth.scope, patch));
      },
    }),
    /** Soft delete; with `removing` the account and everything it owns are deleted. */
    delete: useCase({
      permission: ['accounts', 'delete'],
      params: accountParams,
      query: accountDeleteOptions,
      async run(actor, { params, query }) {
        const id = resolve(params.id, actor.caller);
        if (query.removing === true) await store.accounts.purge(id, actor.auth.scope);
        else await store.accounts.remove(id, actor.auth.scope);
        return deleted(id);
      },
    }),
  };
}

export type AccountUseCases = ReturnType<typeof accountUseCases>;
