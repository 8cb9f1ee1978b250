/**
 * The mongoose schemas' rules, checked without a server: models compiled on a connection that is
 * never opened, documents validated with `validate()` (mongoose 9 deprecates `validateSync()`; both
 * run the same validators locally), errors read through the adapter's own mapping.
 */
import { expect } from 'chai';
import mongoose, { Types, type Connection } from 'mongoose';
import type { FieldError } from '../../../shared/domain/errors.js';
import { idOf } from '../../../shared/domain/dictionaries.js';
import { RULES, ruleMessage } from '../../../shared/domain/rules.js';
import { fieldErrors } from '../../../shared/store/mongo/errors.js';
import { createModels, type Models } from '../../../shared/store/mongo/models/index.js';

const oid = (): Types.ObjectId => new Types.ObjectId();
const now = new Date('2024-05-01T10:00:00.000Z');
const required = (path: string): string => ruleMessage.required(path);
const invalid = (path: string, why: string): string => ruleMessage.invalid(path, why);

async function errorsOf(doc: mongoose.Document): Promise<FieldError[]> {
  try {
    await doc.validate();
    return [];
  } catch (error) {
    return fieldErrors(error as mongoose.Error.ValidationError);
  }
}

/** The single error of a document that breaks one rule. */
async function onlyError(doc: mongoose.Document): Promise<FieldError> {
  const errors = await errorsOf(doc);
  expect(errors, JSON.stringify(errors)).to.have.length(1);
  return errors[0] as FieldError;
}

describe('MongoDB store: mongoose schemas (no server)', () => {
  let connection: Connection;
  let m: Models;

  before(() => {
    connection = mongoose.createConnection();
    m = createModels(connection);
  });

  after(async () => {
    await connection.close();
  });

  const account = (extra: Record<string, unknown> = {}) => new m.Account({
    name: 'Ann', email: 'Ann@Example.com', emailKey: 'ann@example.com', passwordHash: '$2b$04$hash',
    aclRoleNames: ['regular'], created: now, updated: now, ...extra,
  });

  describe('accounts', () => {
    it('accepts a valid account with its defaults', async () => {
      const doc = account();
      expect(await errorsOf(doc)).to.deep.equal([]);
      expect(doc.amount).to.equal(0);
      expect(doc.removed).to.equal(false);
      expect(doc.removedDate).to.equal(null);
      expect(doc.credentialsVersion).to.equal(1);
    });

    it('names the full path in every message, as mongoose does for top-level paths', async () => {
      const errors = await errorsOf(new m.Instance({ retry: { maxAttempts: 0 }, target: { labels: ['-x'] }, properties: [{ value: {} }] }));
      expect(errors.length).to.be.greaterThan(3);
      for (const e of errors) expect(e.message.startsWith(`Path ${'`'}${e.path}${'`'} `), e.message).to.equal(true);
    });

    it('reports every missing required field in the 2016 format', async () => {
      const errors = await errorsOf(new m.Account({ aclRoleNames: ['regular'] }));
      const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
      for (const path of ['name', 'email', 'passwordHash', 'created', 'updated']) {
        expect(byPath[path]).to.equal(required(path));
      }
      expect(byPath.email).to.equal('Path `email` is required.');
    });

    it('bounds the name and checks the email', async () => {
      expect(await onlyError(account({ name: 'x'.repeat(RULES.name.max + 1) }))).to.deep.equal({
        path: 'name', message: invalid('name', `longer than the maximum length (${RULES.name.max})`),
      });
      expect(await onlyError(account({ email: 'not-an-email' }))).to.deep.equal({
        path: 'email', message: invalid('email', 'not an email address'),
      });
      const long = `${'a'.repeat(RULES.email.max)}@x`;
      expect((await onlyError(account({ email: long }))).path).to.equal('email');
      expect(await errorsOf(account({ email: 'supervisor@localhost' }))).to.deep.equal([]);
    });

    it('requires the roles, each a known one', async () => {
      expect(await onlyError(account({ aclRoleNames: ['root'] }))).to.deep.equal({
        path: 'aclRoleNames.0', message: invalid('aclRoleNames.0', 'must be one of admin, regular'),
      });
      expect(await onlyError(account({ aclRoleNames: undefined }))).to.deep.equal({ path: 'aclRoleNames', message: required('aclRoleNames') });
      expect(await errorsOf(account({ aclRoleNames: ['admin', 'regular'] }))).to.deep.equal([]);
      expect(await errorsOf(account({ aclRoleNames: [] })), 'no role: allowed, reaches nothing').to.deep.equal([]);
    });

    it('keeps the balance in whole cents within range', async () => {
      expect(await onlyError(account({ amount: -1 }))).to.deep.equal({
        path: 'amount', message: invalid('amount', `less than the minimum allowed value (${RULES.cents.min})`),
      });
      expect(await onlyError(account({ amount: RULES.cents.max + 1 }))).to.deep.equal({
        path: 'amount', message: invalid('amount', `more than the maximum allowed value (${RULES.cents.max})`),
      });
      expect(await onlyError(account({ amount: 1.5 }))).to.deep.equal({ path: 'amount', message: invalid('amount', 'must be an integer') });
      expect(await onlyError(account({ amount: 'lots' }))).to.deep.equal({ path: 'amount', message: invalid('amount', 'must be a number') });
    });
  });

  describe('workflows and instances', () => {
    const workflow = (extra: Record<string, unknown> = {}) => new m.Workflow({
      accountId: oid(), name: 'Nightly', worktiesInstancesIds: [], created: now, updated: now, ...extra,
    });
    const instance = (extra: Record<string, unknown> = {}) => new m.Instance({
      workflowId: oid(), accountId: oid(), worktyId: oid(), name: 'Step 1', created: now, updated: now,
      properties: [{ name: 'timeout', value: 1000 }, { name: 'label', value: 'x' }, { name: 'on', value: true }, { name: 'none', value: null }],
      ...extra,
    });

    it('accepts a valid workflow and bounds it', async () => {
      const doc = workflow();
      expect(await errorsOf(doc)).to.deep.equal([]);
      expect(doc.desc).to.equal('');
      expect(doc.lastRunId).to.equal(null);
      expect(await onlyError(workflow({ accountId: 'nope' }))).to.deep.equal({ path: 'accountId', message: invalid('accountId', 'must be a 24-hex id') });
      expect(await onlyError(workflow({ desc: 'd'.repeat(RULES.desc.max + 1) }))).to.deep.equal({
        path: 'desc', message: invalid('desc', `longer than the maximum length (${RULES.desc.max})`),
      });
      const tooMany = Array.from({ length: RULES.instancesPerWorkflow.max + 1 }, oid);
      expect(await onlyError(workflow({ worktiesInstancesIds: tooMany }))).to.deep.equal({
        path: 'worktiesInstancesIds', message: invalid('worktiesInstancesIds', `more than ${RULES.instancesPerWorkflow.max} instances`),
      });
    });

    it('accepts a valid instance, starting in state initial', async () => {
      const doc = instance({ target: { labels: ['pi4', 'lab-1'] }, retry: { maxAttempts: 3 } });
      expect(await errorsOf(doc)).to.deep.equal([]);
      expect(doc.state).to.equal('initial');
    });

    it('checks the instance state', async () => {
      expect(await onlyError(instance({ state: 'sleeping' }))).to.deep.equal({
        path: 'state', message: invalid('state', 'must be one of initial, waiting, running, completed, failed, stopped'),
      });
    });

    it('checks property names, values and count', async () => {
      expect(await onlyError(instance({ properties: [{ name: '1abc', value: 1 }] }))).to.deep.include({ path: 'properties.0.name' });
      expect(await onlyError(instance({ properties: [{ value: 1 }] }))).to.deep.equal({ path: 'properties.0.name', message: required('properties.0.name') });
      expect((await onlyError(instance({ properties: [{ name: 'n'.repeat(RULES.propertyName.max + 1), value: 1 }] }))).path).to.equal('properties.0.name');
      expect(await onlyError(instance({ properties: [{ name: 'obj', value: { $gt: 1 } }] }))).to.deep.equal({
        path: 'properties.0.value', message: invalid('properties.0.value', 'must be a string, number, boolean or null'),
      });
      expect(await onlyError(instance({ properties: [{ name: 'inf', value: Infinity }] }))).to.deep.equal({
        path: 'properties.0.value', message: invalid('properties.0.value', 'must be a finite number'),
      });
      expect(await onlyError(instance({ properties: [{ name: 'big', value: 'v'.repeat(RULES.propertyValue.maxLength + 1) }] }))).to.deep.equal({
        path: 'properties.0.value', message: invalid('properties.0.value', `longer than the maximum length (${RULES.propertyValue.maxLength})`),
      });
      expect(await onlyError(instance({ properties: [{ name: 'a', value: 1 }, { name: 'a', value: 2 }] }))).to.deep.equal({
        path: 'properties', message: invalid('properties', 'holds a duplicate property name'),
      });
      const many = Array.from({ length: RULES.propertiesPerDocument.max + 1 }, (_, i) => ({ name: `p${i}`, value: i }));
      expect((await onlyError(instance({ properties: many }))).path).to.equal('properties');
    });

    it('checks the target and the retry policy', async () => {
      expect(await onlyError(instance({ target: { deviceId: 'board-7' } }))).to.deep.equal({
        path: 'target.deviceId', message: invalid('target.deviceId', 'must be a 24-hex id'),
      });
      expect((await onlyError(instance({ target: { labels: ['-bad'] } }))).path).to.equal('target.labels.0');
      const { maxAttempts, backoffMs, timeoutMs } = RULES.retry;
      expect(await onlyError(instance({ retry: { maxAttempts: maxAttempts.min - 1 } }))).to.deep.equal({
        path: 'retry.maxAttempts', message: invalid('retry.maxAttempts', `less than the minimum allowed value (${maxAttempts.min})`),
      });
      expect((await onlyError(instance({ retry: { maxAttempts: maxAttempts.max + 1 } }))).path).to.equal('retry.maxAttempts');
      expect((await onlyError(instance({ retry: { maxAttempts: 2.5 } }))).path).to.equal('retry.maxAttempts');
      expect((await onlyError(instance({ retry: { backoffMs: backoffMs.max + 1 } }))).path).to.equal('retry.backoffMs');
      expect((await onlyError(instance({ retry: { timeoutMs: timeoutMs.min - 1 } }))).path).to.equal('retry.timeoutMs');
    });
  });

  describe('workties, packages and payments', () => {
    const workty = (extra: Record<string, unknown> = {}) => new m.Workty({
      name: 'Print', accountId: oid(), typeId: idOf.worktyType('out'), categoryId: idOf.category('unit-tests'),
      languageTypeId: idOf.languageType('nodejs'), validationStateId: idOf.validationState('approved'),
      entryPointModuleFileName: 'lib/index.js', properties: [{ name: 'timeout', value: 1000 }], price: 1999,
      discountPercent: 10, version: '1.2.0', created: now, updated: now, ...extra,
    });

    it('accepts a valid workty', async () => {
      const doc = workty({ package: { hash: 'a'.repeat(64), size: 10 } });
      expect(await errorsOf(doc)).to.deep.equal([]);
      expect(doc.template).to.equal(false);
      expect(doc.templateId).to.equal(null);
    });

    it('takes dictionary references only from the dictionaries', async () => {
      expect(await onlyError(workty({ typeId: oid() }))).to.deep.equal({ path: 'typeId', message: invalid('typeId', 'not an entry of worktyTypes') });
      expect((await onlyError(workty({ languageTypeId: idOf.worktyType('in') }))).path).to.equal('languageTypeId');
      expect(await onlyError(workty({ categoryId: undefined }))).to.deep.equal({ path: 'categoryId', message: required('categoryId') });
    });

    it('keeps the entry point inside the package', async () => {
      for (const bad of ['../escape.js', '/etc/passwd', 'a/../../b.js', 'sp ace.js']) {
        expect((await onlyError(workty({ entryPointModuleFileName: bad }))).path, bad).to.equal('entryPointModuleFileName');
      }
      expect(await errorsOf(workty({ entryPointModuleFileName: 'src/main.py' }))).to.deep.equal([]);
    });

    it('checks price, discount and version', async () => {
      expect((await onlyError(workty({ price: 10.5 }))).message).to.equal(invalid('price', 'must be an integer'));
      expect((await onlyError(workty({ price: -1 }))).path).to.equal('price');
      expect(await onlyError(workty({ discountPercent: RULES.discountPercent.max + 1 }))).to.deep.equal({
        path: 'discountPercent', message: invalid('discountPercent', `more than the maximum allowed value (${RULES.discountPercent.max})`),
      });
      expect((await onlyError(workty({ version: 'v'.repeat(RULES.version.max + 1) }))).path).to.equal('version');
      expect((await onlyError(workty({ package: { hash: 'nothex', size: 1 } }))).path).to.equal('package.hash');
    });

    it('checks packages', async () => {
      expect(await errorsOf(new m.Package({ hash: 'b'.repeat(64), size: 3, bytes: Buffer.from('zip'), created: now }))).to.deep.equal([]);
      const errors = await errorsOf(new m.Package({ hash: 'B'.repeat(64), size: -1, created: now }));
      expect(errors.map((e) => e.path).sort()).to.deep.equal(['bytes', 'hash', 'size']);
    });

    it('checks payments', async () => {
      const payment = (extra: Record<string, unknown> = {}) => new m.Payment({
        accountId: oid(), worktyId: oid(), templateId: oid(), amount: 1799, created: now, ...extra,
      });
      expect(await errorsOf(payment())).to.deep.equal([]);
      expect(await onlyError(payment({ amount: undefined }))).to.deep.equal({ path: 'amount', message: required('amount') });
      expect((await onlyError(payment({ msg: 'm'.repeat(RULES.paymentMsg.max + 1) }))).path).to.equal('msg');
    });
  });

  describe('devices and tokens', () => {
    const facts = {
      arch: 'arm64', cpus: 4, memoryBytes: 4e9, os: 'linux', osRelease: '6.1', hostname: 'pi-1', temperatureC: 48.5,
      runtimes: ['node', 'sh'], agentVersion: '0.1.0', protocolVersion: 1, slots: 2,
    };
    const device = (extra: Record<string, unknown> = {}) => new m.Device({
      name: 'pi-1', labels: ['lab'], secretHash: 'f'.repeat(64), credentialIssued: now, created: now, updated: now, ...extra,
    });

    it('accepts a valid device, disconnected until it connects', async () => {
      const doc = device({ facts });
      expect(await errorsOf(doc)).to.deep.equal([]);
      expect(doc.state).to.equal('disconnected');
      expect(doc.disabled).to.equal(false);
    });

    it('checks labels, state, facts and the credential', async () => {
      expect((await onlyError(device({ labels: ['ok', 'not ok'] }))).path).to.equal('labels.1');
      const many = Array.from({ length: RULES.labelsPerDevice.max + 1 }, (_, i) => `l${i}`);
      expect(await onlyError(device({ labels: many }))).to.deep.equal({
        path: 'labels', message: invalid('labels', `more than ${RULES.labelsPerDevice.max} labels`),
      });
      expect((await onlyError(device({ state: 'asleep' }))).path).to.equal('state');
      expect(await onlyError(device({ facts: { ...facts, cpus: -1 } }))).to.deep.include({ path: 'facts.cpus' });
      expect(await onlyError(device({ facts: { ...facts, arch: undefined } }))).to.deep.equal({ path: 'facts.arch', message: required('facts.arch') });
      expect(await onlyError(device({ secretHash: undefined }))).to.deep.equal({ path: 'secretHash', message: required('secretHash') });
    });

    it('checks tokens', async () => {
      const token = (extra: Record<string, unknown> = {}) => new m.Token({
        accountId: oid(), tokenHash: 'e'.repeat(64), expires: '2024-05-02T10:00:00.000Z', created: now, ...extra,
      });
      expect(await errorsOf(token())).to.deep.equal([]);
      expect(await onlyError(token({ expires: 'tomorrow' }))).to.deep.equal({ path: 'expires', message: invalid('expires', 'must be an ISO date') });
      expect((await onlyError(token({ name: 'n'.repeat(RULES.tokenName.max + 1) }))).path).to.equal('name');
      expect(await onlyError(token({ tokenHash: undefined }))).to.deep.equal({ path: 'tokenHash', message: required('tokenHash') });
    });
  });

  describe('runs, journal, logs, changes and dictionaries', () => {
    const attempt = (extra: Record<string, unknown> = {}) => ({
      number: 1, deviceId: oid(), status: 'running', leaseToken: 'lease', leaseExpires: now, dispatched: now, ...extra,
    });
    const run = (extra: Record<string, unknown> = {}, instanceExtra: Record<string, unknown> = {}) => new m.Run({
      workflowId: oid(), accountId: oid(), created: now, updated: now,
      instances: [{
        instanceId: oid(), worktyId: oid(), name: 'Step 1', runtime: 'node', entryPoint: 'index.js',
        properties: [{ name: 'p', value: 1 }], attempts: [attempt()], ...instanceExtra,
      }],
      ...extra,
    });

    it('accepts a valid run, queued and wanting to run', async () => {
      const doc = run();
      expect(await errorsOf(doc)).to.deep.equal([]);
      expect(doc.status).to.equal('queued');
      expect(doc.desired).to.equal('running');
      expect(doc.journalSeq).to.equal(0);
      expect(doc.instances[0]?.state).to.equal('initial');
    });

    it('checks statuses, attempts and snapshots', async () => {
      expect((await onlyError(run({ status: 'done' }))).path).to.equal('status');
      expect((await onlyError(run({ desired: 'queued' }))).path).to.equal('desired');
      expect((await onlyError(run({}, { attempts: [attempt({ status: 'gone' })] }))).path).to.equal('instances.0.attempts.0.status');
      expect((await onlyError(run({}, { attempts: [attempt({ number: 0 })] }))).path).to.equal('instances.0.attempts.0.number');
      expect(await onlyError(run({}, { attempts: [attempt({ leaseToken: undefined })] }))).to.deep.equal({
        path: 'instances.0.attempts.0.leaseToken', message: required('instances.0.attempts.0.leaseToken'),
      });
      expect((await onlyError(run({}, { runtime: undefined }))).path).to.equal('instances.0.runtime');
      expect((await onlyError(run({}, { entryPoint: '../x.js' }))).path).to.equal('instances.0.entryPoint');
    });

    it('checks journal entries, log chunks and change events', async () => {
      const entry = (extra: Record<string, unknown> = {}) => new m.Journal({ runId: oid(), seq: 1, at: now, type: 'run.requested', ...extra });
      expect(await errorsOf(entry())).to.deep.equal([]);
      expect((await onlyError(entry({ type: 'run.exploded' }))).path).to.equal('type');
      expect((await onlyError(entry({ seq: 0 }))).path).to.equal('seq');

      const chunk = (extra: Record<string, unknown> = {}) => new m.Log({ runId: oid(), instanceId: oid(), attempt: 1, seq: 0, stream: 'stdout', text: 'hi', at: now, ...extra });
      expect(await errorsOf(chunk())).to.deep.equal([]);
      expect((await onlyError(chunk({ stream: 'stdin' }))).path).to.equal('stream');
      expect((await onlyError(chunk({ attempt: 0 }))).path).to.equal('attempt');

      const change = (extra: Record<string, unknown> = {}) => new m.Change({ seq: 1, at: now, entity: 'run', op: 'updated', id: oid(), ...extra });
      expect(await errorsOf(change())).to.deep.equal([]);
      expect((await onlyError(change({ entity: 'package' }))).path).to.equal('entity');
      expect((await onlyError(change({ op: 'upserted' }))).path).to.equal('op');
    });

    it('checks dictionary entries', async () => {
      const entry = (extra: Record<string, unknown> = {}) => new m.DictionaryEntry({ _id: idOf.worktyType('in'), dictionary: 'worktyTypes', order: 0, name: 'in', ...extra });
      expect(await errorsOf(entry())).to.deep.equal([]);
      expect((await onlyError(entry({ dictionary: 'colours' }))).path).to.equal('dictionary');
      expect(await onlyError(entry({ name: '' }))).to.deep.equal({ path: 'name', message: required('name') });
    });
  });
});
