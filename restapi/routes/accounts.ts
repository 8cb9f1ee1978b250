/**
 * Accounts. Admins manage every account; a regular user reads, updates and deletes only their own.
 * Roles, balance and the removed flag are set by admins only: a regular user naming one of them gets
 * 403 and nothing changes. Every password is hashed before it reaches the store.
 */
import { z } from 'zod';
import { isAdmin } from '../../shared/domain/acl.js';
import { ForbiddenError } from '../../shared/domain/errors.js';
import type { Account } from '../../shared/domain/model.js';
import type { AccountPatch } from '../../shared/store/port.js';
import { listQuerySchema, prettyParam, readQuerySchema, toListQuery } from '../http/query.js';
import { route } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { accountRep } from '../representation/documents.js';
import { centsField, emailField, nameField, objectId, passwordField, rolesField } from '../schemas/common.js';
import { accountDoc } from '../schemas/documents.js';
import type { RouteDeps } from './support.js';
import {
  AUTH_ERRORS, LOCATION, RECORDS_COUNT, defined, documentReply, listReply, noContent, readReply, requireChanges,
} from './support.js';

const accountParams = z.strictObject({
  id: z.union([objectId, z.literal('me')]).meta({ description: 'An account id, or `me` for the caller' }),
});

const newAccount = z.strictObject({
  name: nameField,
  email: emailField,
  password: passwordField,
  aclRoleNames: rolesField.optional().meta({ description: 'Default: ["regular"]' }),
  amount: centsField.optional().meta({ description: 'Opening balance in cents (default 0)' }),
});

const accountUpdate = z.strictObject({
  name: nameField.optional(),
  email: emailField.optional(),
  password: passwordField.optional(),
  aclRoleNames: rolesField.optional().meta({ description: 'Admins only' }),
  amount: centsField.optional().meta({ description: 'Balance in cents; admins only' }),
  removed: z.boolean().optional().meta({ description: 'Admins only; false restores a removed account' }),
});

const ADMIN_ONLY = ['aclRoleNames', 'amount', 'removed'] as const;

function resolve(id: string, caller: Account): string {
  return id === 'me' ? caller._id : id;
}

export function accountRoutes({ store, hasher }: RouteDeps): AnyRoute[] {
  return [
    route({
      method: 'GET', path: '/accounts', name: 'listAccounts', tag: 'accounts',
      summary: 'List accounts (a regular user sees only their own)',
      permission: ['accounts', 'view'],
      query: listQuerySchema(accountRep),
      responses: { 200: { description: 'The accounts', schema: z.array(accountDoc), headers: RECORDS_COUNT } },
      errors: AUTH_ERRORS,
      async handle(ctx) {
        const parsed = toListQuery(accountRep, ctx.query);
        return listReply(accountRep, await store.accounts.list(ctx.auth.scope, parsed.query), parsed, store, ctx);
      },
    }),
    route({
      method: 'POST', path: '/accounts', name: 'createAccount', tag: 'accounts',
      summary: 'Create an account (admins)',
      permission: ['accounts', 'create'],
      body: newAccount,
      responses: { 201: { description: 'The new account', schema: accountDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 409, 413, 415],
      async handle(ctx) {
        const { password, ...rest } = ctx.body;
        const account = await store.accounts.create({
          name: rest.name,
          email: rest.email,
          aclRoleNames: rest.aclRoleNames ?? ['regular'],
          amount: rest.amount ?? 0,
          passwordHash: await hasher.hash(password),
        });
        return documentReply(accountRep, account, 201, `/accounts/${account._id}`);
      },
    }),
    route({
      method: 'GET', path: '/accounts/me', name: 'getOwnAccount', tag: 'accounts',
      summary: 'The caller\'s own account',
      permission: ['accounts', 'view'],
      query: readQuerySchema(),
      responses: { 200: { description: 'The account', schema: accountDoc } },
      errors: AUTH_ERRORS,
      async handle(ctx) {
        const id = ctx.caller._id;
        return readReply(accountRep, 'Account', id, ctx.query, (fields) => store.accounts.get(id, ctx.auth.scope, fields), store, ctx);
      },
    }),
    route({
      method: 'GET', path: '/accounts/:id', name: 'getAccount', tag: 'accounts',
      summary: 'One account',
      permission: ['accounts', 'view'],
      params: accountParams,
      query: readQuerySchema(),
      responses: { 200: { description: 'The account', schema: accountDoc } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const id = resolve(ctx.params.id, ctx.caller);
        return readReply(accountRep, 'Account', id, ctx.query, (fields) => store.accounts.get(id, ctx.auth.scope, fields), store, ctx);
      },
    }),
    route({
      method: 'PUT', path: '/accounts/:id', name: 'updateAccount', tag: 'accounts',
      summary: 'Update an account (roles, balance and removal: admins only)',
      permission: ['accounts', 'update'],
      params: accountParams,
      body: accountUpdate,
      responses: { 200: { description: 'The updated account', schema: accountDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      async handle(ctx) {
        const body = ctx.body;
        requireChanges(body);
        const adminOnly = ADMIN_ONLY.filter((field) => body[field] !== undefined);
        if (adminOnly.length > 0 && !isAdmin(ctx.caller)) {
          throw new ForbiddenError(`Only admins may set ${adminOnly.join(', ')}`);
        }
        const { password, ...rest } = body;
        const patch: AccountPatch = defined(rest);
        if (password !== undefined) patch.passwordHash = await hasher.hash(password);
        const account = await store.accounts.update(resolve(ctx.params.id, ctx.caller), ctx.auth.scope, patch);
        return documentReply(accountRep, account);
      },
    }),
    route({
      method: 'DELETE', path: '/accounts/:id', name: 'deleteAccount', tag: 'accounts',
      summary: 'Remove an account (soft); with removing=true delete it and everything it owns',
      permission: ['accounts', 'delete'],
      params: accountParams,
      query: z.strictObject({
        pretty: prettyParam,
        removing: z.enum(['true', 'false']).transform((v) => v === 'true').optional()
          .meta({ description: '`true`: delete the account with its workflows, workties, payments, runs and tokens' }),
      }),
      responses: { 204: { description: 'Removed' } },
      errors: [...AUTH_ERRORS, 404, 409],
      async handle(ctx) {
        const id = resolve(ctx.params.id, ctx.caller);
        if (ctx.query.removing === true) await store.accounts.purge(id, ctx.auth.scope);
        else await store.accounts.remove(id, ctx.auth.scope);
        return noContent;
      },
    }),
  ];
}
