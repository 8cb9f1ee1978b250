/**
 * What every contract file uses: a fresh store per test (from the adapter's factory), fixtures that
 * make uniquely named documents through the public port only, and assertion helpers.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { idOf } from '../../../shared/domain/dictionaries.js';
import type { Id } from '../../../shared/domain/ids.js';
import type { Account, Device, Workflow, Workty, WorktyInstance } from '../../../shared/domain/model.js';
import type { Scope } from '../../../shared/domain/query.js';
import type { NewWorkty, PropertyInput, Store } from '../../../shared/store/port.js';
import type { StoreFactory, StoreUnderTest } from './contract.js';

/** Every secret the fixtures store contains this marker, so a leak is found by one substring search. */
export const SECRET_MARK = 'SECRET-MARK';
const SECRET_KEYS = new Set(['passwordHash', 'secretHash', 'tokenHash']);

/** Fails if a returned value carries a secret key or a secret value anywhere inside it. */
export function assertNoSecrets(value: unknown, where = 'result'): void {
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${path}[${i}]`));
    if (node !== null && typeof node === 'object' && !Buffer.isBuffer(node)) {
      for (const [key, child] of Object.entries(node)) {
        expect(SECRET_KEYS.has(key), `${where}: secret key at ${path}.${key}`).to.equal(false);
        walk(child, `${path}.${key}`);
      }
    }
  };
  walk(value, where);
  expect(JSON.stringify(value) ?? '', `${where} carries a secret value`).to.not.include(SECRET_MARK);
}

/** Awaits a rejection of the given class and returns the error for further checks. */
export async function rejects<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E, what = ''): Promise<E> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    expect(error, `${what} rejected with ${String(error)}`).to.be.instanceOf(type);
    return error as E;
  }
  expect.fail(`${what} resolved (${JSON.stringify(outcome)?.slice(0, 200)}) instead of rejecting with ${type.name}`);
}

export const ALL: Scope = { all: true };
export const tenant = (account: Pick<Account, '_id'>): Scope => ({ accountId: account._id });
export const reachOwn = (account: Pick<Account, '_id'>) => ({ scope: tenant(account), withTemplates: false });
export const reachCatalogue = (account: Pick<Account, '_id'>) => ({ scope: tenant(account), withTemplates: true });

/** A well-formed id nothing has. */
export const MISSING_ID: Id = 'f'.repeat(24);

/** The dictionary ids every test workty uses unless it says otherwise. */
export const WORKTY_BASICS = {
  typeId: idOf.worktyType('inout'),
  categoryId: idOf.category('unit-tests'),
  languageTypeId: idOf.languageType('nodejs'),
  entryPointModuleFileName: 'index.js',
} as const;

export class Fixtures {
  private counter = 0;
  private readonly run = randomBytes(3).toString('hex');

  constructor(readonly store: Store) {}

  unique(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${this.run}-${this.counter}`;
  }

  /** A fake bcrypt hash carrying the secret marker. */
  passwordHash(): string {
    return `$2b$04$${SECRET_MARK}${this.unique('pw')}`;
  }

  account(options: { amount?: number; admin?: boolean; name?: string } = {}): Promise<Account> {
    const name = options.name ?? this.unique('user');
    return this.store.accounts.create({
      name, email: `${this.unique('mail')}@example.com`, passwordHash: this.passwordHash(),
      aclRoleNames: options.admin === true ? ['admin'] : ['regular'], amount: options.amount ?? 0,
    });
  }

  admin(): Promise<Account> {
    return this.account({ admin: true });
  }

  workty(accountId: Id, options: Partial<NewWorkty> = {}): Promise<Workty> {
    return this.store.workties.create({ accountId, name: this.unique('workty'), ...WORKTY_BASICS, ...options });
  }

  template(adminId: Id, options: Partial<NewWorkty> = {}): Promise<Workty> {
    return this.workty(adminId, { template: true, ...options });
  }

  workflow(accountId: Id, name?: string): Promise<Workflow> {
    return this.store.workflows.create({ accountId, name: name ?? this.unique('workflow') });
  }

  /** A workflow of a new regular account with `count` instances of one own workty. */
  async workflowWithInstances(count: number, properties: PropertyInput[] = [{ name: 'timeout', value: 1000 }]): Promise<{
    account: Account; workty: Workty; workflow: Workflow; instances: WorktyInstance[];
  }> {
    const account = await this.account();
    const workty = await this.workty(account._id, { properties, packageBytes: Buffer.from(this.unique('package')) });
    const workflow = await this.workflow(account._id);
    const instances: WorktyInstance[] = [];
    for (let i = 0; i < count; i += 1) {
      instances.push(await this.store.instances.add(workflow._id, tenant(account), { worktyId: workty._id, name: `step ${i}` }));
    }
    return { account, workty, workflow, instances };
  }

  device(labels: string[] = []): Promise<Device> {
    return this.store.devices.create({ name: this.unique('board'), labels, secretHash: `${SECRET_MARK}${this.unique('device')}` });
  }

  async ids(workflowId: Id): Promise<Id[]> {
    const workflow = await this.store.workflows.get(workflowId, ALL);
    expect(workflow, `workflow ${workflowId}`).to.not.equal(null);
    return workflow?.worktiesInstancesIds ?? [];
  }
}

export interface Harness {
  readonly store: Store;
  readonly sut: StoreUnderTest;
  readonly fx: Fixtures;
}

/** Registers a fresh store per test in the current describe; everything it opened is closed after. */
export function useStore(factory: StoreFactory): Harness {
  let current: { sut: StoreUnderTest; fx: Fixtures } | null = null;
  beforeEach(async function () {
    current = null;
    const sut = await factory.create();
    current = { sut, fx: new Fixtures(sut.store) };
  });
  afterEach(async function () {
    const done = current;
    current = null;
    if (done !== null) await done.sut.destroy();
  });
  const now = (): { sut: StoreUnderTest; fx: Fixtures } => {
    if (current === null) throw new Error('No store: use the harness inside a test');
    return current;
  };
  return {
    get store() { return now().sut.store; },
    get sut() { return now().sut; },
    get fx() { return now().fx; },
  };
}

/** The item at `index`, failing the test when there is none. */
export function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) expect.fail(`no item #${index} among ${items.length}`);
  return item;
}

/** Non-null, failing the test otherwise. */
export function present<T>(value: T | null | undefined, what = 'value'): T {
  if (value === null || value === undefined) expect.fail(`${what} is ${String(value)}`);
  return value;
}
