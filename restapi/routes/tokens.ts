/**
 * Tokens for socket.io clients (`auth: {token}` in the handshake): made for the caller, shown once
 * (`Cache-Control: no-store`), stored as a hash, expiring, revocable (`shared/services/tokens.ts`).
 */
import { z } from 'zod';
import { tokenDoc, tokenWithSecretDoc } from '../../shared/representation/schemas.js';
import { serve } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import type { RouteServices } from './support.js';
import { AUTH_ERRORS, LOCATION, RECORDS_COUNT, listReply, noContentReply, okReply } from './support.js';

export function tokenRoutes({ tokens }: RouteServices): AnyRoute[] {
  return [
    serve(tokens.create, {
      method: 'POST', path: '/tokens', name: 'createToken', tag: 'tokens',
      summary: 'Make a socket.io token for the caller; the answer carries it, this once',
      responses: { 201: { description: 'The token', schema: tokenWithSecretDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 409, 413, 415],
      reply: (token) => ({
        status: 201,
        body: token,
        headers: { 'Cache-Control': 'no-store' },
        location: `/tokens/${String(token._id)}`,
      }),
    }),
    serve(tokens.list, {
      method: 'GET', path: '/tokens', name: 'listTokens', tag: 'tokens',
      summary: 'List tokens (never the tokens themselves): the caller\'s, or (admins) everyone\'s',
      responses: { 200: { description: 'The tokens', schema: z.array(tokenDoc), headers: RECORDS_COUNT } },
      errors: AUTH_ERRORS,
      reply: listReply,
    }),
    serve(tokens.get, {
      method: 'GET', path: '/tokens/:id', name: 'getToken', tag: 'tokens',
      summary: 'One token (without the token itself)',
      responses: { 200: { description: 'The token', schema: tokenDoc } },
      errors: [...AUTH_ERRORS, 404],
      reply: okReply,
    }),
    serve(tokens.revoke, {
      method: 'DELETE', path: '/tokens/:id', name: 'revokeToken', tag: 'tokens',
      summary: 'Revoke a token: it stops working at once',
      responses: { 204: { description: 'Revoked' } },
      errors: [...AUTH_ERRORS, 404],
      reply: noContentReply,
    }),
  ];
}
