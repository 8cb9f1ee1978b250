/** Devices (worker boards): admin-managed documents with a hashed credential kept out of them. */
import { NotFoundError } from '../../domain/errors.js';
import { newId, nowIso, type Id } from '../../domain/ids.js';
import type { Device, DeviceCredentials, DeviceFacts } from '../../domain/model.js';
import { project, type ListQuery, type Page } from '../../domain/query.js';
import { RULES } from '../../domain/rules.js';
import { DEVICE_STATES, type DeviceState } from '../../domain/states.js';
import type { DevicePatch, DeviceRepository, NewDevice } from '../port.js';
import { bit, json, parseJson, type SqliteContext } from './database.js';
import { listPage, projection, type ListSpec } from './query.js';
import { validate, type Checker } from './validate.js';

interface DeviceRow {
  _id: Id;
  name: string;
  desc: string;
  labels: string;
  disabled: number;
  state: string;
  lastSeen: string | null;
  facts: string | null;
  credentialIssued: string;
  secretHash: string;
  created: string;
  updated: string;
}

function toDevice(row: DeviceRow): Device {
  return {
    _id: row._id, name: row.name, desc: row.desc, labels: JSON.parse(row.labels) as string[], disabled: row.disabled === 1,
    state: row.state as DeviceState, lastSeen: row.lastSeen, facts: parseJson<DeviceFacts>(row.facts),
    credentialIssued: row.credentialIssued, created: row.created, updated: row.updated,
  };
}

function checkFields(c: Checker, input: Partial<NewDevice & DevicePatch>, creating: boolean): void {
  c.text('name', input.name, { required: creating, ...RULES.name });
  c.text('desc', input.desc, RULES.desc);
  c.labels('labels', input.labels);
  c.boolean('disabled', input.disabled);
  if (creating) c.text('secretHash', input.secretHash, { required: true });
}

const SPEC: ListSpec = { entity: 'device', table: 'devices', where: [], params: [], defaultOrder: '"created" ASC', tieBreak: '"_id" ASC' };

export class SqliteDevices implements DeviceRepository {
  constructor(private readonly ctx: SqliteContext) {}

  private row(id: Id): DeviceRow | undefined {
    return this.ctx.stmt('SELECT * FROM devices WHERE _id = ?').get(id) as DeviceRow | undefined;
  }

  private existing(id: Id): DeviceRow {
    const row = this.row(id);
    if (row === undefined) throw new NotFoundError('Device', id);
    return row;
  }

  private save(row: DeviceRow, data: Record<string, unknown> = {}): Device {
    this.ctx.stmt(`UPDATE devices SET name = @name, "desc" = @desc, labels = @labels, disabled = @disabled, state = @state,
      lastSeen = @lastSeen, facts = @facts, credentialIssued = @credentialIssued, secretHash = @secretHash, updated = @updated
      WHERE _id = @_id`).run(row);
    this.ctx.change('device', 'updated', row._id, null, { state: row.state, disabled: row.disabled === 1, ...data });
    return toDevice(row);
  }

  async create(input: NewDevice): Promise<Device> {
    validate((c) => checkFields(c, input, true));
    return this.ctx.write(() => {
      const now = nowIso();
      const row: DeviceRow = {
        _id: newId(), name: input.name, desc: input.desc ?? '', labels: JSON.stringify(input.labels ?? []), disabled: 0,
        state: 'disconnected', lastSeen: null, facts: null, credentialIssued: now, secretHash: input.secretHash, created: now, updated: now,
      };
      this.ctx.stmt(`INSERT INTO devices (_id, name, "desc", labels, disabled, state, lastSeen, facts, credentialIssued, secretHash,
        created, updated) VALUES (@_id, @name, @desc, @labels, @disabled, @state, @lastSeen, @facts, @credentialIssued, @secretHash,
        @created, @updated)`).run(row);
      this.ctx.change('device', 'created', row._id, null, { state: row.state });
      return toDevice(row);
    });
  }

  async get(id: Id, fields?: string[]): Promise<Device | null> {
    const wanted = projection('device', fields);
    const row = this.row(id);
    return row === undefined ? null : project(toDevice(row), wanted);
  }

  async list(query?: ListQuery): Promise<Page<Device>> {
    return listPage(this.ctx, SPEC, query, toDevice);
  }

  async update(id: Id, patch: DevicePatch): Promise<Device> {
    validate((c) => checkFields(c, patch, false));
    return this.ctx.write(() => {
      const row = this.existing(id);
      if (patch.name === undefined && patch.desc === undefined && patch.labels === undefined && patch.disabled === undefined) return toDevice(row);
      return this.save({
        ...row, name: patch.name ?? row.name, desc: patch.desc ?? row.desc,
        labels: patch.labels === undefined ? row.labels : JSON.stringify(patch.labels),
        disabled: patch.disabled === undefined ? row.disabled : bit(patch.disabled), updated: nowIso(),
      });
    });
  }

  async delete(id: Id): Promise<void> {
    this.ctx.write(() => {
      this.existing(id);
      this.ctx.stmt('DELETE FROM devices WHERE _id = ?').run(id);
      this.ctx.change('device', 'deleted', id, null);
    });
  }

  async rotateCredential(id: Id, secretHash: string): Promise<Device> {
    validate((c) => c.text('secretHash', secretHash, { required: true }));
    return this.ctx.write(() => {
      const row = this.existing(id);
      const now = nowIso();
      return this.save({ ...row, secretHash, credentialIssued: now, updated: now }, { credentialIssued: now });
    });
  }

  async getCredentials(id: Id): Promise<DeviceCredentials | null> {
    const row = this.row(id);
    return row === undefined ? null : { device: toDevice(row), secretHash: row.secretHash };
  }

  async recordPresence(id: Id, state: DeviceState, facts?: DeviceFacts): Promise<Device> {
    validate((c) => {
      c.oneOf('state', state, DEVICE_STATES, true);
      if (facts !== undefined && (facts === null || typeof facts !== 'object' || Array.isArray(facts))) c.fail('facts', 'must be an object');
    });
    return this.ctx.write(() => {
      const row = this.existing(id);
      const now = nowIso();
      return this.save({ ...row, state, lastSeen: now, facts: facts === undefined ? row.facts : json(facts), updated: now });
    });
  }

  async touchPresence(ids: Id[]): Promise<number> {
    validate((c) => {
      if (!Array.isArray(ids)) c.fail('ids', 'must be an array');
      else ids.forEach((id, i) => c.id(`ids.${i}`, id, true));
    });
    if (ids.length === 0) return 0;
    return this.ctx.write(() => {
      const now = nowIso();
      let touched = 0;
      for (const id of ids) touched += this.ctx.stmt('UPDATE devices SET lastSeen = ? WHERE _id = ?').run(now, id).changes;
      return touched;
    });
  }

  async expirePresence(before: Date): Promise<Id[]> {
    const cutoff = before.toISOString();
    return this.ctx.write(() => {
      const rows = this.ctx.stmt(`SELECT * FROM devices WHERE state IN ('waiting', 'running') AND (lastSeen IS NULL OR lastSeen < ?)`)
        .all(cutoff) as DeviceRow[];
      const now = nowIso();
      for (const row of rows) this.save({ ...row, state: 'disconnected', updated: now });
      return rows.map((row) => row._id);
    });
  }
}
