/**
 * Payments: buying (installing) a template workty; a short balance is a 402 and changes nothing
 * (`shared/services/payments.ts`).
 */
import { z } from 'zod';
import { paymentDoc } from '../../shared/representation/schemas.js';
import { serve } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import type { RouteServices } from './support.js';
import { AUTH_ERRORS, LOCATION, RECORDS_COUNT, createdReply, listReply, noContentReply, okReply } from './support.js';

export function paymentRoutes({ payments }: RouteServices): AnyRoute[] {
  return [
    serve(payments.list, {
      method: 'GET', path: '/payments', name: 'listPayments', tag: 'payments',
      summary: 'List payments (a regular user sees their own)',
      responses: { 200: { description: 'The payments', schema: z.array(paymentDoc), headers: RECORDS_COUNT } },
      errors: AUTH_ERRORS,
      reply: listReply,
    }),
    serve(payments.create, {
      method: 'POST', path: '/payments', name: 'createPayment', tag: 'payments',
      summary: 'Buy a template: install it into the caller\'s account and charge its price (402 when the balance is short)',
      responses: { 201: { description: 'The payment; worktyId is the installed copy', schema: paymentDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 402, 404, 409, 413, 415],
      reply: createdReply('/payments'),
    }),
    serve(payments.get, {
      method: 'GET', path: '/payments/:id', name: 'getPayment', tag: 'payments',
      summary: 'One payment',
      responses: { 200: { description: 'The payment', schema: paymentDoc } },
      errors: [...AUTH_ERRORS, 404],
      reply: okReply,
    }),
    serve(payments.update, {
      method: 'PUT', path: '/payments/:id', name: 'updatePayment', tag: 'payments',
      summary: 'Change a payment\'s message (admins)',
      responses: { 200: { description: 'The updated payment', schema: paymentDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      reply: okReply,
    }),
    serve(payments.delete, {
      method: 'DELETE', path: '/payments/:id', name: 'deletePayment', tag: 'payments',
      summary: 'Delete a payment record (admins; refunds nothing, keeps the installed workty)',
      responses: { 204: { description: 'Deleted' } },
      errors: [...AUTH_ERRORS, 404],
      reply: noContentReply,
    }),
  ];
}
