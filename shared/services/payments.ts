/**
 * Payments: buying (installing) a template workty. The store copies the template with its
 * properties into the caller's account, charges price × (100 − discount) / 100 cents and records the
 * payment in one transaction; a short balance is a 402 and changes nothing.
 */
import { z } from 'zod';
import { RULES } from '../domain/rules.js';
import { paymentRep } from '../representation/documents.js';
import type { ServiceDeps } from './deps.js';
import { idParams, objectId } from './fields.js';
import { listQuerySchema, readQuerySchema, toListQuery } from './list-query.js';
import { deleted, embedContext, listResult, readResult, toDocument } from './results.js';
import { useCase } from './use-case.js';

const msgField = z.string().max(RULES.paymentMsg.max);
export const newPayment = z.strictObject({
  worktyId: objectId.meta({ description: 'The template to install' }),
  msg: msgField.optional(),
});
export const paymentUpdate = z.strictObject({ msg: msgField });

export function paymentUseCases({ store }: ServiceDeps) {
  return {
    list: useCase({
      permission: ['payments', 'view'],
      query: listQuerySchema(paymentRep),
      async run(actor, { query }) {
        const parsed = toListQuery(paymentRep, query);
        return listResult(paymentRep, await store.payments.list(actor.auth.scope, parsed.query), parsed, embedContext(store, actor));
      },
    }),
    /** Buys a template for the caller: the answer's `worktyId` is the installed copy. */
    create: useCase({
      permission: ['payments', 'create'],
      body: newPayment,
      async run(actor, { body }) {
        const { payment } = await store.payments.purchase(actor.caller._id, body.worktyId, body.msg);
        return toDocument(paymentRep, payment);
      },
    }),
    get: useCase({
      permission: ['payments', 'view'],
      params: idParams,
      query: readQuerySchema(),
      async run(actor, { params: { id }, query }) {
        return readResult(paymentRep, 'Payment', id, query, (fields) => store.payments.get(id, actor.auth.scope, fields), embedContext(store, actor));
      },
    }),
    /** Changes a payment's message (admins). */
    update: useCase({
      permission: ['payments', 'update'],
      params: idParams,
      body: paymentUpdate,
      async run(actor, { params, body }) {
        return toDocument(paymentRep, await store.payments.update(params.id, actor.auth.scope, { msg: body.msg }));
      },
    }),
    /** Deletes the record (admins); refunds nothing, keeps the installed workty. */
    delete: useCase({
      permission: ['payments', 'delete'],
      params: idParams,
      async run(actor, { params }) {
        await store.payments.delete(params.id, actor.auth.scope);
        return deleted(params.id);
      },
    }),
  };
}

export type PaymentUseCases = ReturnType<typeof paymentUseCases>;
