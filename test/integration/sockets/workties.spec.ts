/**
 * `/workties`: every `sv.workty.*` request — success, and each error REST answers: the role matrix
 * (regular users read their own and the templates, only admins write), validation, packages (base64,
 * serialised Buffer, or binary over socket.io), properties.
 */
import { expect } from 'chai';
import { idOf } from '../../../shared/domain/dictionaries.js';
import type { TestUser } from '../../lib/restapi.js';
import { makeTemplate, ownWorkty, workflowWith, zipOf } from '../../lib/rest-fixtures.js';
import { ClientHarness, type ClientSocket } from '../../lib/client-harness.js';
import { expectAckError, expectAckOk } from '../../lib/socket-assert.js';

describe('client sockets: /workties', function () {
  let t: ClientHarness;
  let alice: TestUser;
  let asAlice: ClientSocket<'workties'>;
  let asAdmin: ClientSocket<'workties'>;

  const newWorkty = (extra: Record<string, unknown> = {}) => ({
    name: t.unique('workty'), languageTypeId: idOf.languageType('nodejs'), entryPointModuleFileName: 'index.js', ...extra,
  });

  before(async function () {
    t = await ClientHarness.start();
    alice = await t.createUser();
    asAlice = await t.connect('workties', t.auth(alice));
    asAdmin = await t.connect('workties', t.auth(t.admin));
  });

  after(async function () {
    await t?.assertNoSecretsLeaked();
    await t?.close();
  });

  describe('sv.workty.refresh.all and sv.workty.refresh', function () {
    it('shows a regular user their own workties and the templates, never another account\'s', async function () {
      const template = await makeTemplate(t.rest);
      const mine = await ownWorkty(t.rest, alice);
      const other = await t.createUser();
      const theirs = await ownWorkty(t.rest, other);
      const ack = await t.request(asAlice, 'sv.workty.refresh.all', { per_page: 1000 });
      expectAckOk(ack);
      const ids = ack.workties.map((w: { _id: string }) => w._id);
      expect(ids).to.include.members([template._id, mine._id]);
      expect(ids).not.to.include(theirs._id);
      expect(JSON.stringify(ack)).not.to.match(/compressedCode|"data":\[/);
      expect((await t.request(asAlice, 'sv.workty.refresh', { workty: { id: template._id } })).workty._id).to.equal(template._id);
      expectAckError(await t.request(asAlice, 'sv.workty.refresh', { workty: { id: theirs._id } }), 404, 2);
      const filtered = await t.request(asAlice, 'sv.workty.refresh.all', { template: true, name: template.name });
      expect(filtered.workties.map((w: { _id: string }) => w._id)).to.deep.equal([template._id]);
    });

    it('answers sv.workty.refresh.all.properties with the properties populated, as 2016 did', async function () {
      const mine = await ownWorkty(t.rest, alice, { properties: [{ name: 'timeout', value: 1000 }, { name: 'greeting', value: 'hi' }] });
      const ack = await t.request(asAlice, 'sv.workty.refresh.all.properties', { workty: { id: mine._id } });
      expectAckOk(ack);
      expect(ack.workty.propertiesIds.map((p: { name: string; value: unknown }) => [p.name, p.value])).to.deep.equal([['timeout', 1000], ['greeting', 'hi']]);
      expectAckError(await t.request(asAlice, 'sv.workty.refresh.all.properties', { workty: { id: 'bad' } }), 400, 1);
    });
  });

  describe('sv.workty.add', function () {
    it('lets an admin publish a template with a package sent as base64, or as binary', async function () {
      const zip = await zipOf({ 'index.js': 'console.log(1)\n' });
      const base64 = await t.request(asAdmin, 'sv.workty.add', { workty: newWorkty({ template: true, price: 150, compressedCode: zip.toString('base64') }) });
      expectAckOk(base64);
      expect(base64.workty).to.include({ template: true, price: 150, accountId: t.admin.id });
      expect(base64.workty.package).to.have.keys(['hash', 'size']);
      const binary = await t.request(asAdmin, 'sv.workty.add', { workty: newWorkty({ compressedCode: zip }) });
      expectAckOk(binary);
      expect(binary.workty.package).to.deep.equal(base64.workty.package);
    });

    it('refuses a regular user (403, code 13) before looking at the payload', async function () {
      expectAckError(await t.request(asAlice, 'sv.workty.add', { workty: newWorkty() }), 403, 13);
      expectAckError(await t.request(asAlice, 'sv.workty.add', 'garbage'), 403, 13);
    });

    it('answers validation failures as REST does: 409 for rules, packages without the entry point; 400 for unknown fields', async function () {
      expectAckError(await t.request(asAdmin, 'sv.workty.add', { workty: { name: 'x' } }), 409, 1);
      expectAckError(await t.request(asAdmin, 'sv.workty.add', { workty: newWorkty({ languageTypeId: '5f1d7f3b9c1e4a0012345678' }) }), 409, 1);
      const zip = await zipOf({ 'other.js': '' });
      expectAckError(await t.request(asAdmin, 'sv.workty.add', { workty: newWorkty({ compressedCode: zip }) }), 409, 1);
      expectAckError(await t.request(asAdmin, 'sv.workty.add', { workty: newWorkty({ compressedCode: Buffer.from('not a zip') }) }), 409, 1);
      expectAckError(await t.request(asAdmin, 'sv.workty.add', { workty: newWorkty({ owner: 'me' }) }), 400, 1);
    });
  });

  describe('sv.workty.upd and sv.workty.del', function () {
    it('lets an admin update and delete; refuses regular users (403) and workties in use (409)', async function () {
      const template = await makeTemplate(t.rest);
      const upd = await t.request(asAdmin, 'sv.workty.upd', { workty: { id: template._id, price: 99, desc: 'cheaper' } });
      expectAckOk(upd);
      expect(upd.workty).to.include({ price: 99, desc: 'cheaper' });
      expectAckError(await t.request(asAlice, 'sv.workty.upd', { workty: { id: template._id, price: 0 } }), 403, 13);
      expectAckError(await t.request(asAdmin, 'sv.workty.upd', { workty: { id: template._id } }), 400, 1, /Nothing to update/);
      expectAckError(await t.request(asAdmin, 'sv.workty.upd', { workty: { id: '5f1d7f3b9c1e4a0012345678', price: 1 } }), 404, 2);
      expectAckError(await t.request(asAlice, 'sv.workty.del', { workty: { id: template._id } }), 403, 13);
      const used = await ownWorkty(t.rest, alice);
      await workflowWith(t.rest, alice, [used]);
      expectAckError(await t.request(asAdmin, 'sv.workty.del', { workty: { id: used._id } }), 409, 3);
      expect(await t.request(asAdmin, 'sv.workty.del', { workty: { id: template._id } })).to.deep.equal({
        err: null, requestId: null, workty: { _id: template._id, deleted: true },
      });
    });
  });

  describe('properties', function () {
    it('adds, renames and deletes a workty property (admins), answering the property', async function () {
      const template = await makeTemplate(t.rest, { properties: [] });
      const added = await t.request(asAdmin, 'sv.workty.add.property', { workty: { id: template._id, property: { name: 'colour', value: 'blue' } } });
      expectAckOk(added);
      expect(added.property).to.include({ name: 'colour', value: 'blue' });
      const renamed = await t.request(asAdmin, 'sv.workty.upd.property', { workty: { id: template._id, property: { id: added.property._id, name: 'color' } } });
      expect(renamed.property).to.deep.equal({ _id: added.property._id, name: 'color', value: 'blue' });
      const deleted = await t.request(asAdmin, 'sv.workty.del.property', { workty: { id: template._id, property: { id: added.property._id } } });
      expect(deleted.property).to.deep.equal({ _id: added.property._id, deleted: true });
      expect((await t.store.workties.get(template._id, { scope: { all: true }, withTemplates: true }))?.properties).to.deep.equal([]);
    });

    it('refuses regular users (403), duplicates and bad names (409), missing properties (404), malformed envelopes (400)', async function () {
      const template = await makeTemplate(t.rest, { properties: [{ name: 'timeout', value: 1 }] });
      expectAckError(await t.request(asAlice, 'sv.workty.add.property', { workty: { id: template._id, property: { name: 'x' } } }), 403, 13);
      expectAckError(await t.request(asAdmin, 'sv.workty.add.property', { workty: { id: template._id, property: { name: 'timeout' } } }), 409, 1);
      expectAckError(await t.request(asAdmin, 'sv.workty.add.property', { workty: { id: template._id, property: { name: '1bad' } } }), 409, 1);
      expectAckError(await t.request(asAdmin, 'sv.workty.upd.property', { workty: { id: template._id, property: { id: '5f1d7f3b9c1e4a0012345678', value: 2 } } }), 404, 2);
      expectAckError(await t.request(asAdmin, 'sv.workty.del.property', { workty: { id: template._id, property: { id: '5f1d7f3b9c1e4a0012345678' } } }), 404, 2);
      expectAckError(await t.request(asAdmin, 'sv.workty.add.property', { workty: { id: template._id } }), 400, 1, /workty\.property must be an object/);
      expectAckError(await t.request(asAdmin, 'sv.workty.del.property', { workty: { id: template._id, property: {} } }), 400, 1, /property\.id/);
    });
  });
});
