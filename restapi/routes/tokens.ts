/**
 * Tokens for socket.io clients (`auth: {token}` in the handshake). A token is made for the caller,
 * shown once, stored as a hash, expires (default 24 h; a request may ask for less) and can be
 * revoked: by its owner, or by an admin.
 */
import { z } from 'zod';
import { RULES } from '../../shared/domain/rules.js';
import { generateSecret, hashSecret } from '../../shared/security/secrets.js';
import { listQuerySchema, readQuerySchema, toListQuery } from '../http/query.js';
import { route } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { tokenRep } from '../representation/documents.js';
import { idParams } from '../schemas/common.js';
import { tokenDoc, tokenWithSecretDoc } from '../schemas/documents.js';
import type { RouteDeps } from './support.js';
import { AUTH_ERRORS, LOCATION, RECORDS_COUNT, listReply, noContent, readReply } from './support.js';

export function tokenRoutes({ store, config }: RouteDeps): AnyRoute[] {
  const maxTtlSeconds = Math.floor(config.tokenTtlMs / 1000);
  const newToken = z.strictObject({
    name: z.string().max(RULES.tokenName.max).optional().meta({ description: 'A label for the token (e.g. the client it is for)' }),
    ttl: z.int().min(60).max(maxTtlSeconds).optional()
      .meta({ description: `Lifetime in seconds, at most ${maxTtlSeconds} (the default)` }),
  });
  return [
    route({
      method: 'POST', path: '/tokens', name: 'createToken', tag: 'tokens',
      summary: 'Make a socket.io token for the caller; the answer carries it, this once',
      permission: ['tokens', 'create'],
      body: newToken,
      responses: { 201: { description: 'The token', schema: tokenWithSecretDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 409, 413, 415],
      async handle(ctx) {
        const secret = generateSecret();
        const ttlMs = (ctx.body.ttl ?? maxTtlSeconds) * 1000;
        const token = await store.tokens.create({
          accountId: ctx.caller._id,
          name: ctx.body.name ?? '',
          tokenHash: hashSecret(secret),
          expires: new Date(Date.now() + ttlMs).toISOString(),
        });
        return {
          status: 201,
          body: { ...tokenRep.toApi(token), token: secret },
          headers: { 'Cache-Control': 'no-store' },
          location: `/tokens/${token._id}`,
        };
      },
    }),
    route({
      method: 'GET', path: '/tokens', name: 'listTokens', tag: 'tokens',
      summary: 'List tokens (never the tokens themselves): the caller\'s, or (admins) everyone\'s',
      permission: ['tokens', 'view'],
      query: listQuerySchema(tokenRep),
      responses: { 200: { description: 'The tokens', schema: z.array(tokenDoc), headers: RECORDS_COUNT } },
      errors: AUTH_ERRORS,
      async handle(ctx) {
        const parsed = toListQuery(tokenRep, ctx.query);
        return listReply(tokenRep, await store.tokens.list(ctx.auth.scope, parsed.query), parsed, store, ctx);
      },
    }),
    route({
      method: 'GET', path: '/tokens/:id', name: 'getToken', tag: 'tokens',
      summary: 'One token (without the token itself)',
      permission: ['tokens', 'view'],
      params: idParams,
      query: readQuerySchema(),
      responses: { 200: { description: 'The token', schema: tokenDoc } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const { id } = ctx.params;
        return readReply(tokenRep, 'Token', id, ctx.query, () => store.tokens.get(id, ctx.auth.scope), store, ctx);
      },
    }),
    route({
      method: 'DELETE', path: '/tokens/:id', name: 'revokeToken', tag: 'tokens',
      summary: 'Revoke a token: it stops working at once',
      permission: ['tokens', 'delete'],
      params: idParams,
      responses: { 204: { description: 'Revoked' } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        await store.tokens.revoke(ctx.params.id, ctx.auth.scope);
        return noContent;
      },
    }),
  ];
}
