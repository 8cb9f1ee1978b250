/**
 * Devices (admins): the boards workers run on. A device's secret is generated here, shown once (in
 * the answer that creates or rotates it, marked `Cache-Control: no-store`) and stored only as a hash.
 */
import { z } from 'zod';
import type { Device } from '../../shared/domain/model.js';
import { generateSecret, hashSecret } from '../../shared/security/secrets.js';
import { listQuerySchema, readQuerySchema, toListQuery } from '../http/query.js';
import { route } from '../http/route.js';
import type { AnyRoute, JsonReply } from '../http/route.js';
import { deviceRep } from '../representation/documents.js';
import { descField, idParams, labelsField, nameField } from '../schemas/common.js';
import { deviceDoc, deviceWithSecretDoc } from '../schemas/documents.js';
import type { RouteDeps } from './support.js';
import {
  AUTH_ERRORS, LOCATION, RECORDS_COUNT, defined, documentReply, listReply, noContent, readReply, requireChanges,
} from './support.js';

const newDevice = z.strictObject({ name: nameField, desc: descField.optional(), labels: labelsField.optional() });
const deviceUpdate = z.strictObject({
  name: nameField.optional(),
  desc: descField.optional(),
  labels: labelsField.optional(),
  disabled: z.boolean().optional().meta({ description: 'A disabled device is refused by the supervisor' }),
});

function withSecret(device: Device, secret: string, status: number, location?: string): JsonReply {
  const reply: JsonReply = { status, body: { ...deviceRep.toApi(device), secret }, headers: { 'Cache-Control': 'no-store' } };
  if (location !== undefined) reply.location = location;
  return reply;
}

export function deviceRoutes({ store }: RouteDeps): AnyRoute[] {
  return [
    route({
      method: 'GET', path: '/devices', name: 'listDevices', tag: 'devices',
      summary: 'List devices (admins; embed: state)',
      permission: ['devices', 'view'],
      query: listQuerySchema(deviceRep),
      responses: { 200: { description: 'The devices', schema: z.array(deviceDoc), headers: RECORDS_COUNT } },
      errors: AUTH_ERRORS,
      async handle(ctx) {
        const parsed = toListQuery(deviceRep, ctx.query);
        return listReply(deviceRep, await store.devices.list(parsed.query), parsed, store, ctx);
      },
    }),
    route({
      method: 'POST', path: '/devices', name: 'createDevice', tag: 'devices',
      summary: 'Register a device; the answer carries its secret, this once (admins)',
      permission: ['devices', 'create'],
      body: newDevice,
      responses: { 201: { description: 'The device with its secret', schema: deviceWithSecretDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 409, 413, 415],
      async handle(ctx) {
        const secret = generateSecret();
        const device = await store.devices.create({ ...defined(ctx.body), name: ctx.body.name, secretHash: hashSecret(secret) });
        return withSecret(device, secret, 201, `/devices/${device._id}`);
      },
    }),
    route({
      method: 'GET', path: '/devices/:id', name: 'getDevice', tag: 'devices',
      summary: 'One device (admins)',
      permission: ['devices', 'view'],
      params: idParams,
      query: readQuerySchema(),
      responses: { 200: { description: 'The device', schema: deviceDoc } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const { id } = ctx.params;
        return readReply(deviceRep, 'Device', id, ctx.query, (fields) => store.devices.get(id, fields), store, ctx);
      },
    }),
    route({
      method: 'PUT', path: '/devices/:id', name: 'updateDevice', tag: 'devices',
      summary: 'Rename, relabel, enable or disable a device (admins)',
      permission: ['devices', 'update'],
      params: idParams,
      body: deviceUpdate,
      responses: { 200: { description: 'The updated device', schema: deviceDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      async handle(ctx) {
        requireChanges(ctx.body);
        return documentReply(deviceRep, await store.devices.update(ctx.params.id, defined(ctx.body)));
      },
    }),
    route({
      method: 'DELETE', path: '/devices/:id', name: 'deleteDevice', tag: 'devices',
      summary: 'Delete a device (its credential stops working) (admins)',
      permission: ['devices', 'delete'],
      params: idParams,
      responses: { 204: { description: 'Deleted' } },
      errors: [...AUTH_ERRORS, 404, 409],
      async handle(ctx) {
        await store.devices.delete(ctx.params.id);
        return noContent;
      },
    }),
    route({
      method: 'POST', path: '/devices/:id/credentials', name: 'rotateDeviceCredential', tag: 'devices',
      summary: 'Issue a new secret for a device (the previous one stops working at once); shown this once (admins)',
      permission: ['devices', 'update'],
      params: idParams,
      responses: { 200: { description: 'The device with its new secret', schema: deviceWithSecretDoc } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const secret = generateSecret();
        const device = await store.devices.rotateCredential(ctx.params.id, hashSecret(secret));
        return withSecret(device, secret, 200);
      },
    }),
  ];
}
