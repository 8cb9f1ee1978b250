/** Devices (worker boards): admin CRUD, credential rotation, and presence from the supervisor. */
import { Types } from 'mongoose';
import { NotFoundError } from '../../../domain/errors.js';
import type { Id } from '../../../domain/ids.js';
import type { Device, DeviceCredentials, DeviceFacts } from '../../../domain/model.js';
import type { ListQuery, Page } from '../../../domain/query.js';
import type { DeviceState } from '../../../domain/states.js';
import type { DevicePatch, DeviceRepository, NewDevice } from '../../port.js';
import { deviceOut, idOut, plain } from '../convert.js';
import { idEquals, translateFields, translateQuery } from '../query.js';
import type { Tx } from '../transactions.js';
import { check } from './checks.js';
import { HIDDEN, findOne, findPage, hasChanges, type Context } from './context.js';

export class MongoDevices implements DeviceRepository {
  constructor(private readonly ctx: Context) {}

  create(input: NewDevice): Promise<Device> {
    return this.ctx.tx.run(async (tx) => {
      const now = new Date();
      const doc = new this.ctx.models.Device({
        name: input.name,
        desc: input.desc ?? '',
        labels: input.labels ?? [],
        disabled: false,
        state: 'disconnected',
        lastSeen: null,
        facts: null,
        secretHash: input.secretHash,
        credentialIssued: now,
        created: now,
        updated: now,
      });
      await doc.save({ session: tx.session });
      tx.change('device', 'created', doc._id, null, { state: doc.state });
      return deviceOut(plain(doc));
    });
  }

  async get(id: Id, fields?: string[]): Promise<Device | null> {
    return findOne(this.ctx.models.Device, idEquals('_id', id), translateFields('device', fields), deviceOut, HIDDEN.device);
  }

  async list(query?: ListQuery): Promise<Page<Device>> {
    return findPage(this.ctx.models.Device, {}, translateQuery('device', query), deviceOut, HIDDEN.device);
  }

  update(id: Id, patch: DevicePatch): Promise<Device> {
    return this.change(id, (doc) => {
      if (!hasChanges(patch)) return false;
      if (patch.name !== undefined) doc.name = patch.name;
      if (patch.desc !== undefined) doc.desc = patch.desc;
      if (patch.labels !== undefined) doc.labels = patch.labels;
      if (patch.disabled !== undefined) doc.disabled = patch.disabled;
      return true;
    });
  }

  delete(id: Id): Promise<void> {
    return this.ctx.tx.run(async (tx) => {
      const doc = await this.ctx.models.Device.findOneAndDelete(idEquals('_id', id), { session: tx.session, projection: { _id: 1 }, lean: true });
      if (doc === null) throw new NotFoundError('Device', id);
      tx.change('device', 'deleted', doc._id, null);
    });
  }

  rotateCredential(id: Id, secretHash: string): Promise<Device> {
    return this.change(id, (doc) => {
      doc.secretHash = secretHash;
      doc.credentialIssued = new Date();
      return true;
    });
  }

  async getCredentials(id: Id): Promise<DeviceCredentials | null> {
    const raw = await this.ctx.models.Device.findOne(idEquals('_id', id)).lean();
    return raw === null ? null : { device: deviceOut(raw), secretHash: raw.secretHash };
  }

  recordPresence(id: Id, state: DeviceState, facts?: DeviceFacts): Promise<Device> {
    return this.change(id, (doc) => {
      doc.state = state;
      doc.lastSeen = new Date();
      if (facts !== undefined) doc.set('facts', facts);
      return true;
    });
  }

  async touchPresence(ids: Id[]): Promise<number> {
    check((c) => {
      if (!Array.isArray(ids)) c.fail('ids', 'must be an array');
      else ids.forEach((id, i) => c.id(`ids.${i}`, id, true));
    });
    if (ids.length === 0) return 0;
    // Not a user-visible change: one bulk write, no transaction, no ChangeEvent.
    const result = await this.ctx.models.Device.updateMany({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }, { $set: { lastSeen: new Date() } });
    return result.matchedCount;
  }

  expirePresence(before: Date): Promise<Id[]> {
    return this.ctx.tx.run(async (tx: Tx) => {
      const docs = await this.ctx.models.Device.find({
        state: { $in: ['waiting', 'running'] }, $or: [{ lastSeen: null }, { lastSeen: { $lt: before } }],
      }).session(tx.session);
      for (const doc of docs) {
        doc.state = 'disconnected';
        doc.updated = new Date();
        await doc.save();
        tx.change('device', 'updated', doc._id, null, { state: doc.state, disabled: doc.disabled });
      }
      return docs.map((doc) => idOut(doc._id));
    });
  }

  /** Loads the device in a transaction, applies `apply` (false = nothing to write), saves, records. */
  private change(id: Id, apply: (doc: DeviceDoc) => boolean): Promise<Device> {
    return this.ctx.tx.run(async (tx: Tx) => {
      const doc = await this.ctx.models.Device.findOne(idEquals('_id', id)).session(tx.session);
      if (doc === null) throw new NotFoundError('Device', id);
      if (!apply(doc)) return deviceOut(plain(doc));
      doc.updated = new Date();
      await doc.save();
      tx.change('device', 'updated', doc._id, null, { state: doc.state, disabled: doc.disabled });
      return deviceOut(plain(doc));
    });
  }
}

type DeviceDoc = NonNullable<Awaited<ReturnType<Context['models']['Device']['findOne']>>>;
