/**
 * Devices (admins): the boards workers run on. A device's secret is answered once (creation,
 * rotation), marked `Cache-Control: no-store`, and stored only as a hash (`shared/services/devices.ts`).
 */
import { z } from 'zod';
import type { ApiDoc } from '../../shared/representation/types.js';
import { deviceDoc, deviceWithSecretDoc } from '../../shared/representation/schemas.js';
import { serve } from '../http/route.js';
import type { AnyRoute, JsonReply } from '../http/route.js';
import type { RouteServices } from './support.js';
import { AUTH_ERRORS, LOCATION, RECORDS_COUNT, listReply, noContentReply, okReply } from './support.js';

function withSecret(device: ApiDoc, status: number, location?: string): JsonReply {
  const reply: JsonReply = { status, body: device, headers: { 'Cache-Control': 'no-store' } };
  if (location !== undefined) reply.location = location;
  return reply;
}

export function deviceRoutes({ devices }: RouteServices): AnyRoute[] {
  return [
    serve(devices.list, {
      method: 'GET', path: '/devices', name: 'listDevices', tag: 'devices',
      summary: 'List devices (admins; embed: state)',
      responses: { 200: { description: 'The devices', schema: z.array(deviceDoc), headers: RECORDS_COUNT } },
      errors: AUTH_ERRORS,
      reply: listReply,
    }),
    serve(devices.create, {
      method: 'POST', path: '/devices', name: 'createDevice', tag: 'devices',
      summary: 'Register a device; the answer carries its secret, this once (admins)',
      responses: { 201: { description: 'The device with its secret', schema: deviceWithSecretDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 409, 413, 415],
      reply: (device) => withSecret(device, 201, `/devices/${String(device._id)}`),
    }),
    serve(devices.get, {
      method: 'GET', path: '/devices/:id', name: 'getDevice', tag: 'devices',
      summary: 'One device (admins)',
      responses: { 200: { description: 'The device', schema: deviceDoc } },
      errors: [...AUTH_ERRORS, 404],
      reply: okReply,
    }),
    serve(devices.update, {
      method: 'PUT', path: '/devices/:id', name: 'updateDevice', tag: 'devices',
      summary: 'Rename, relabel, enable or disable a device (admins)',
      responses: { 200: { description: 'The updated device', schema: deviceDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      reply: okReply,
    }),
    serve(devices.delete, {
      method: 'DELETE', path: '/devices/:id', name: 'deleteDevice', tag: 'devices',
      summary: 'Delete a device (its credential stops working) (admins)',
      responses: { 204: { description: 'Deleted' } },
      errors: [...AUTH_ERRORS, 404, 409],
      reply: noContentReply,
    }),
    serve(devices.rotateCredential, {
      method: 'POST', path: '/devices/:id/credentials', name: 'rotateDeviceCredential', tag: 'devices',
      summary: 'Issue a new secret for a device (the previous one stops working at once); shown this once (admins)',
      responses: { 200: { description: 'The device with its new secret', schema: deviceWithSecretDoc } },
      errors: [...AUTH_ERRORS, 404],
      reply: (device) => withSecret(device, 200),
    }),
  ];
}
