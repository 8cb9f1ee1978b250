/**
 * Workties: templates published by admins (the catalogue everyone reads) and the copies installed
 * into accounts by payments (`shared/services/workties.ts`). Answers never carry package bytes:
 * `package` is `{hash, size}`, the bytes come from `GET /workties/:id/package`.
 */
import { z } from 'zod';
import { propertyDoc, worktyDoc } from '../../shared/representation/schemas.js';
import { serve } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import type { RouteDeps, RouteServices } from './support.js';
import {
  AUTH_ERRORS, LOCATION, RECORDS_COUNT, createdReply, listReply, noContentReply, okReply,
} from './support.js';

export function worktyRoutes({ workties }: RouteServices, { config }: RouteDeps): AnyRoute[] {
  // A package may be sent as a serialised Buffer: up to about four JSON bytes per package byte.
  const uploadLimit = Math.max(config.restBodyLimit, config.packageLimit * 4 + 64 * 1024);
  return [
    serve(workties.list, {
      method: 'GET', path: '/workties', name: 'listWorkties', cacheable: true, tag: 'workties',
      summary: 'List workties: the caller\'s own and the templates (embed: account, properties, type, category, languagetype, validationstate)',
      responses: { 200: { description: 'The workties (without package bytes)', schema: z.array(worktyDoc), headers: RECORDS_COUNT } },
      errors: AUTH_ERRORS,
      reply: listReply,
    }),
    serve(workties.create, {
      method: 'POST', path: '/workties', name: 'createWorkty', tag: 'workties',
      summary: 'Create a workty or publish a template (admins)',
      bodyLimit: uploadLimit,
      responses: { 201: { description: 'The new workty', schema: worktyDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 409, 413, 415],
      reply: createdReply('/workties'),
    }),
    serve(workties.get, {
      method: 'GET', path: '/workties/:id', name: 'getWorkty', cacheable: true, tag: 'workties',
      summary: 'One workty (without package bytes)',
      responses: { 200: { description: 'The workty', schema: worktyDoc } },
      errors: [...AUTH_ERRORS, 404],
      reply: okReply,
    }),
    serve(workties.update, {
      method: 'PUT', path: '/workties/:id', name: 'updateWorkty', tag: 'workties',
      summary: 'Update a workty or replace its package (admins)',
      bodyLimit: uploadLimit,
      responses: { 200: { description: 'The updated workty', schema: worktyDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      reply: okReply,
    }),
    serve(workties.delete, {
      method: 'DELETE', path: '/workties/:id', name: 'deleteWorkty', tag: 'workties',
      summary: 'Delete a workty (409 while instances use it)',
      responses: { 204: { description: 'Deleted' } },
      errors: [...AUTH_ERRORS, 404, 409],
      reply: noContentReply,
    }),
    serve(workties.package, {
      method: 'GET', path: '/workties/:id/package', name: 'getWorktyPackage', tag: 'workties',
      summary: 'Download the package (a zip) of an own workty; templates are downloaded by admins only (code 17)',
      responses: { 200: { description: 'The zip archive', contentType: 'application/zip' } },
      errors: [...AUTH_ERRORS, 404],
      reply: ({ bytes, hash }, ctx) => ({
        status: 200, bytes, contentType: 'application/zip',
        headers: { 'Content-Disposition': `attachment; filename="workty-${ctx.params.id}.zip"`, ETag: `"${hash}"` },
      }),
    }),
    serve(workties.addProperty, {
      method: 'POST', path: '/workties/:id/properties', name: 'addWorktyProperty', tag: 'workties',
      summary: 'Add a property (name and default value) to a workty (admins)',
      responses: { 201: { description: 'The new property', schema: propertyDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      reply: (property, ctx) => ({ status: 201, body: property, location: `/workties/${ctx.params.id}/properties/${property._id}` }),
    }),
    serve(workties.updateProperty, {
      method: 'PUT', path: '/workties/:id/properties/:pid', name: 'updateWorktyProperty', tag: 'workties',
      summary: 'Rename a workty property or change its default value (admins)',
      responses: { 200: { description: 'The updated property', schema: propertyDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      reply: (property) => ({ status: 200, body: property }),
    }),
    serve(workties.deleteProperty, {
      method: 'DELETE', path: '/workties/:id/properties/:pid', name: 'deleteWorktyProperty', tag: 'workties',
      summary: 'Remove a property from a workty (admins)',
      responses: { 204: { description: 'Deleted' } },
      errors: [...AUTH_ERRORS, 404],
      reply: noContentReply,
    }),
  ];
}
