/**
 * Devices (admins): the boards workers run on. A device's secret is generated here, answered once
 * (by the use case that creates or rotates it) and stored only as a hash.
 */
import { z } from 'zod';
import type { Device } from '../domain/model.js';
import { deviceRep } from '../representation/documents.js';
import type { ApiDoc } from '../representation/types.js';
import { generateSecret, hashSecret } from '../security/secrets.js';
import type { ServiceDeps } from './deps.js';
import { descField, idParams, labelsField, nameField } from './fields.js';
import { listQuerySchema, readQuerySchema, toListQuery } from './list-query.js';
import { defined, deleted, embedContext, listResult, readResult, requireChanges, toDocument } from './results.js';
import { useCase } from './use-case.js';

export const newDevice = z.strictObject({ name: nameField, desc: descField.optional(), labels: labelsField.optional() });
export const deviceUpdate = z.strictObject({
  name: nameField.optional(),
  desc: descField.optional(),
  labels: labelsField.optional(),
  disabled: z.boolean().optional().meta({ description: 'A disabled device is refused by the supervisor' }),
});

/** The device with its secret, in the one answer that issues the secret. */
function withSecret(device: Device, secret: string): ApiDoc {
  return { ...toDocument(deviceRep, device), secret };
}

export function deviceUseCases({ store }: ServiceDeps) {
  return {
    list: useCase({
      permission: ['devices', 'view'],
      query: listQuerySchema(deviceRep),
      async run(actor, { query }) {
        const parsed = toListQuery(deviceRep, query);
        return listResult(deviceRep, await store.devices.list(parsed.query), parsed, embedContext(store, actor));
      },
    }),
    /** Registers a device; the answer carries its secret, this once. */
    create: useCase({
      permission: ['devices', 'create'],
      body: newDevice,
      async run(_actor, { body }) {
        const secret = generateSecret();
        return withSecret(await store.devices.create({ ...defined(body), name: body.name, secretHash: hashSecret(secret) }), secret);
      },
    }),
    get: useCase({
      permission: ['devices', 'view'],
      params: idParams,
      query: readQuerySchema(),
      async run(actor, { params: { id }, query }) {
        return readResult(deviceRep, 'Device', id, query, (fields) => store.devices.get(id, fields), embedContext(store, actor));
      },
    }),
    /** Renames, relabels, enables or disables a device. */
    update: useCase({
      permission: ['devices', 'update'],
      params: idParams,
      body: deviceUpdate,
      async run(_actor, { params, body }) {
        requireChanges(body);
        return toDocument(deviceRep, await store.devices.update(params.id, defined(body)));
      },
    }),
    /** Its credential stops working. */
    delete: useCase({
      permission: ['devices', 'delete'],
      params: idParams,
      async run(_actor, { params }) {
        await store.devices.delete(params.id);
        return deleted(params.id);
      },
    }),
    /** A new secret (the previous one stops working at once); answered this once. */
    rotateCredential: useCase({
      permission: ['devices', 'update'],
      params: idParams,
      async run(_actor, { params }) {
        const secret = generateSecret();
        return withSecret(await store.devices.rotateCredential(params.id, hashSecret(secret)), secret);
      },
    }),
  };
}

export type DeviceUseCases = ReturnType<typeof deviceUseCases>;
