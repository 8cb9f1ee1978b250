/**
 * Data the REST suites build on, made through the store port (the API itself is what the suites
 * test): zip packages, template workties, workties installed into an account, workflows.
 */
import { idOf } from '../../shared/domain/dictionaries.js';
import type { Workflow, Workty, WorktyInstance } from '../../shared/domain/model.js';
import { zipEntries } from '../../shared/seed/package.js';
import type { PropertyInput } from '../../shared/store/port.js';
import type { TestRestApi, TestUser } from './restapi.js';
import { uniqueName } from './restapi.js';

/** A zip archive holding the given files. */
export function zipOf(files: Record<string, string>): Promise<Buffer> {
  return zipEntries(Object.entries(files).map(([name, data]) => ({ name, data })));
}

export interface TemplateOptions {
  price?: number;
  discountPercent?: number;
  properties?: PropertyInput[];
  name?: string;
}

/** A template published by the harness's admin, with a package. */
export async function makeTemplate(t: TestRestApi, options: TemplateOptions = {}): Promise<Workty> {
  return t.store.workties.create({
    accountId: t.admin.id,
    name: options.name ?? uniqueName('template'),
    template: true,
    typeId: idOf.worktyType('inout'),
    categoryId: idOf.category('unit-tests'),
    languageTypeId: idOf.languageType('nodejs'),
    entryPointModuleFileName: 'index.js',
    properties: options.properties ?? [{ name: 'timeout', value: 1000 }, { name: 'greeting', value: 'hi' }],
    price: options.price ?? 0,
    discountPercent: options.discountPercent ?? 0,
    packageBytes: await zipOf({ 'index.js': 'console.log(process.argv[2]);\n' }),
  });
}

/** A workty owned by the user (a free template installed through the store). */
export async function ownWorkty(t: TestRestApi, user: TestUser, options: TemplateOptions = {}): Promise<Workty> {
  const template = await makeTemplate(t, { ...options, price: 0 });
  const { workty } = await t.store.payments.purchase(user.id, template._id);
  return workty;
}

/** A workflow of the user holding one instance per given workty. */
export async function workflowWith(t: TestRestApi, user: TestUser, workties: Workty[]): Promise<{ workflow: Workflow; instances: WorktyInstance[] }> {
  const workflow = await t.store.workflows.create({ accountId: user.id, name: uniqueName('wf') });
  const instances: WorktyInstance[] = [];
  for (const workty of workties) instances.push(await t.store.instances.add(workflow._id, { accountId: user.id }, { worktyId: workty._id }));
  return { workflow: (await t.store.workflows.get(workflow._id, { all: true }))!, instances };
}
