/**
 * Tokens for socket.io clients (`auth: {token}` in the handshake). A token is made for the caller,
 * answered once, stored as a hash, expires (a default lifetime; a request may ask for less) and can
 * be revoked: by its owner, or by an admin.
 */
import { z } from 'zod';
import { RULES } from '../domain/rules.js';
import { tokenRep } from '../representation/documents.js';
import type { ApiDoc } from '../representation/types.js';
import { generateSecret, hashSecret } from '../security/secrets.js';
import type { ServiceDeps } from './deps.js';
import { idParams } from './fields.js';
import { listQuerySchema, readQuerySchema, toListQuery } from './list-query.js';
import { deleted, embedContext, listResult, readResult, toDocument } from './results.js';
import { useCase } from './use-case.js';

export interface TokenOptions {
  /** The default and longest lifetime of a token. */
  tokenTtlMs: number;
}

export function tokenUseCases({ store }: ServiceDeps, { tokenTtlMs }: TokenOptions) {
  const maxTtlSeconds = Math.floor(tokenTtlMs / 1000);
  const newToken = z.strictObject({
    name: z.string().max(RULES.tokenName.max).optional().meta({ description: 'A label for the token (e.g. the client it is for)' }),
    ttl: z.int().min(60).max(maxTtlSeconds).optional()
      .meta({ description: `Lifetime in seconds, at most ${maxTtlSeconds} (the default)` }),
  });
  return {
    /** A token for the caller; the answer carries it (`token`), this once. */
    create: useCase({
      permission: ['tokens', 'create'],
      body: newToken,
      async run(actor, { body }): Promise<ApiDoc> {
        const secret = generateSecret();
        const ttlMs = (body.ttl ?? maxTtlSeconds) * 1000;
        const token = await store.tokens.create({
          accountId: actor.caller._id,
          name: body.name ?? '',
          tokenHash: hashSecret(secret),
          expires: new Date(Date.now() + ttlMs).toISOString(),
        });
        return { ...toDocument(tokenRep, token), token: secret };
      },
    }),
    /** Never the tokens themselves: the caller's, or (admins) everyone's. */
    list: useCase({
      permission: ['tokens', 'view'],
      query: listQuerySchema(tokenRep),
      async run(actor, { query }) {
        const parsed = toListQuery(tokenRep, query);
        return listResult(tokenRep, await store.tokens.list(actor.auth.scope, parsed.query), parsed, embedContext(store, actor));
      },
    }),
    get: useCase({
      permission: ['tokens', 'view'],
      params: idParams,
      query: readQuerySchema(),
      async run(actor, { params: { id }, query }) {
        return readResult(tokenRep, 'Token', id, query, () => store.tokens.get(id, actor.auth.scope), embedContext(store, actor));
      },
    }),
    /** It stops working at once (sockets it opened are ended). */
    revoke: useCase({
      permission: ['tokens', 'delete'],
      params: idParams,
      async run(actor, { params }) {
        await store.tokens.revoke(params.id, actor.auth.scope);
        return deleted(params.id);
      },
    }),
  };
}

export type TokenUseCases = ReturnType<typeof tokenUseCases>;
