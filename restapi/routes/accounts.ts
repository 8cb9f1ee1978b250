/**
 * Accounts. Admins manage every account; a regular user reads, updates and deletes only their own
 * (the rules are the use cases': `shared/services/accounts.ts`).
 */
import { z } from 'zod';
import { accountDoc } from '../../shared/representation/schemas.js';
import { serve } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import type { RouteServices } from './support.js';
import {
  AUTH_ERRORS, LOCATION, RECORDS_COUNT, createdReply, listReply, noContentReply, okReply,
} from './support.js';

export function accountRoutes({ accounts }: RouteServices): AnyRoute[] {
  return [
    serve(accounts.list, {
      method: 'GET', path: '/accounts', name: 'listAccounts', tag: 'accounts',
      summary: 'List accounts (a regular user sees only their own)',
      responses: { 200: { description: 'The accounts', schema: z.array(accountDoc), headers: RECORDS_COUNT } },
      errors: AUTH_ERRORS,
      reply: listReply,
    }),
    serve(accounts.create, {
      method: 'POST', path: '/accounts', name: 'createAccount', tag: 'accounts',
      summary: 'Create an account (admins)',
      responses: { 201: { description: 'The new account', schema: accountDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 409, 413, 415],
      reply: createdReply('/accounts'),
    }),
    serve(accounts.getOwn, {
      method: 'GET', path: '/accounts/me', name: 'getOwnAccount', tag: 'accounts',
      summary: 'The caller\'s own account',
      responses: { 200: { description: 'The account', schema: accountDoc } },
      errors: AUTH_ERRORS,
      reply: okReply,
    }),
    serve(accounts.get, {
      method: 'GET', path: '/accounts/:id', name: 'getAccount', tag: 'accounts',
      summary: 'One account',
      responses: { 200: { description: 'The account', schema: accountDoc } },
      errors: [...AUTH_ERRORS, 404],
      reply: okReply,
    }),
    serve(accounts.update, {
      method: 'PUT', path: '/accounts/:id', name: 'updateAccount', tag: 'accounts',
      summary: 'Update an account (roles, balance and removal: admins only)',
      responses: { 200: { description: 'The updated account', schema: accountDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      reply: okReply,
    }),
    serve(accounts.delete, {
      method: 'DELETE', path: '/accounts/:id', name: 'deleteAccount', tag: 'accounts',
      summary: 'Remove an account (soft); with removing=true delete it and everything it owns',
      responses: { 204: { description: 'Removed' } },
      errors: [...AUTH_ERRORS, 404, 409],
      reply: noContentReply,
    }),
  ];
}
