/**
 * Payments: buying (installing) a template workty. The store copies the template with its
 * properties into the caller's account, charges price × (100 − discount) / 100 cents and records the
 * payment in one transaction; a short balance is a 402 and changes nothing.
 */
import { z } from 'zod';
import { RULES } from '../../shared/domain/rules.js';
import { listQuerySchema, readQuerySchema, toListQuery } from '../http/query.js';
import { route } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { paymentRep } from '../representation/documents.js';
import { idParams, objectId } from '../schemas/common.js';
import { paymentDoc } from '../schemas/documents.js';
import type { RouteDeps } from './support.js';
import { AUTH_ERRORS, LOCATION, RECORDS_COUNT, documentReply, listReply, noContent, readReply } from './support.js';

const msgField = z.string().max(RULES.paymentMsg.max);
const newPayment = z.strictObject({
  worktyId: objectId.meta({ description: 'The template to install' }),
  msg: msgField.optional(),
});
const paymentUpdate = z.strictObject({ msg: msgField });

export function paymentRoutes({ store }: RouteDeps): AnyRoute[] {
  return [
    route({
      method: 'GET', path: '/payments', name: 'listPayments', tag: 'payments',
      summary: 'List payments (a regular user sees their own)',
      permission: ['payments', 'view'],
      query: listQuerySchema(paymentRep),
      responses: { 200: { description: 'The payments', schema: z.array(paymentDoc), headers: RECORDS_COUNT } },
      errors: AUTH_ERRORS,
      async handle(ctx) {
        const parsed = toListQuery(paymentRep, ctx.query);
        return listReply(paymentRep, await store.payments.list(ctx.auth.scope, parsed.query), parsed, store, ctx);
      },
    }),
    route({
      method: 'POST', path: '/payments', name: 'createPayment', tag: 'payments',
      summary: 'Buy a template: install it into the caller\'s account and charge its price (402 when the balance is short)',
      permission: ['payments', 'create'],
      body: newPayment,
      responses: { 201: { description: 'The payment; worktyId is the installed copy', schema: paymentDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 402, 404, 409, 413, 415],
      async handle(ctx) {
        const { payment } = await store.payments.purchase(ctx.caller._id, ctx.body.worktyId, ctx.body.msg);
        return documentReply(paymentRep, payment, 201, `/payments/${payment._id}`);
      },
    }),
    route({
      method: 'GET', path: '/payments/:id', name: 'getPayment', tag: 'payments',
      summary: 'One payment',
      permission: ['payments', 'view'],
      params: idParams,
      query: readQuerySchema(),
      responses: { 200: { description: 'The payment', schema: paymentDoc } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const { id } = ctx.params;
        return readReply(paymentRep, 'Payment', id, ctx.query, (fields) => store.payments.get(id, ctx.auth.scope, fields), store, ctx);
      },
    }),
    route({
      method: 'PUT', path: '/payments/:id', name: 'updatePayment', tag: 'payments',
      summary: 'Change a payment\'s message (admins)',
      permission: ['payments', 'update'],
      params: idParams,
      body: paymentUpdate,
      responses: { 200: { description: 'The updated payment', schema: paymentDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      async handle(ctx) {
        return documentReply(paymentRep, await store.payments.update(ctx.params.id, ctx.auth.scope, { msg: ctx.body.msg }));
      },
    }),
    route({
      method: 'DELETE', path: '/payments/:id', name: 'deletePayment', tag: 'payments',
      summary: 'Delete a payment record (admins; refunds nothing, keeps the installed workty)',
      permission: ['payments', 'delete'],
      params: idParams,
      responses: { 204: { description: 'Deleted' } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        await store.payments.delete(ctx.params.id, ctx.auth.scope);
        return noContent;
      },
    }),
  ];
}
