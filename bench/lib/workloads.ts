/** What the benchmarks put in the store before they measure: devices with credentials, no-op workflows. */
import { idOf } from '../../shared/domain/dictionaries.js';
import type { Id } from '../../shared/domain/ids.js';
import { ALL } from '../../shared/domain/query.js';
import { generateSecret, hashSecret } from '../../shared/security/secrets.js';
import type { Store } from '../../shared/store/port.js';

/** A device's id with the secret a simulated worker presents (the store keeps only its hash). */
export interface BenchDevice {
  deviceId: string;
  secret: string;
}

/** `count` devices named `<prefix>-<i>`, each with its own credential. */
export async function makeDevices(store: Store, count: number, prefix: string): Promise<BenchDevice[]> {
  const out: BenchDevice[] = [];
  for (let i = 0; i < count; i += 1) {
    const secret = generateSecret();
    const device = await store.devices.create({ name: `${prefix}-${i}`, secretHash: hashSecret(secret) });
    out.push({ deviceId: device._id, secret });
  }
  return out;
}

/** A workflow with its owner, as `store.runs.request` takes them. */
export interface BenchWorkflow {
  _id: Id;
  accountId: Id;
}

/** `count` workflows of `size` no-op Node instances each, owned by one new account tagged `tag`. */
export async function makeNoopWorkflows(store: Store, count: number, size: number, tag: string): Promise<BenchWorkflow[]> {
  const account = await store.accounts.create({ name: tag, email: `${tag}@bench.example`, passwordHash: '$2b$04$bench', aclRoleNames: ['regular'] });
  const workty = await store.workties.create({
    accountId: account._id, name: `${tag}-noop`, typeId: idOf.worktyType('inout'), categoryId: idOf.category('unit-tests'),
    languageTypeId: idOf.languageType('nodejs'), entryPointModuleFileName: 'index.js', packageBytes: Buffer.from(`${tag} no-op`),
  });
  const out: BenchWorkflow[] = [];
  for (let w = 0; w < count; w += 1) {
    const workflow = await store.workflows.create({ accountId: account._id, name: `${tag}-${w}` });
    for (let i = 0; i < size; i += 1) await store.instances.add(workflow._id, ALL, { worktyId: workty._id, name: `noop ${i}` });
    out.push(workflow);
  }
  return out;
}
