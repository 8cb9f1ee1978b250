/**
 * Workties: templates and packages (base64 or serialised Buffer, zip only, size limit), lists
 * without package bytes, downloads, properties, the role matrix (regular users read only) and
 * tenant isolation.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { idOf } from '../../../shared/domain/dictionaries.js';
import { expectError, expectStatus } from '../../lib/api-assert.js';
import { startTestRestApi, uniqueName } from '../../lib/restapi.js';
import type { TestRestApi, TestUser } from '../../lib/restapi.js';
import { makeTemplate, ownWorkty, workflowWith, zipOf } from '../../lib/rest-fixtures.js';

const PACKAGE_LIMIT = 4096;

describe('REST workties', () => {
  let t: TestRestApi;
  let alice: TestUser;
  let bob: TestUser;
  let zip: Buffer;

  before(async () => {
    t = await startTestRestApi({ env: { WORKTY_PACKAGE_LIMIT: String(PACKAGE_LIMIT) } });
    alice = await t.createUser();
    bob = await t.createUser();
    zip = await zipOf({ 'index.js': 'console.log("hello");\n', 'lib/util.js': 'module.exports = 1;\n' });
  });

  after(async () => {
    await t.assertNoSecretsLeaked();
    await t.close();
  });

  function worktyBody(extra: Record<string, unknown> = {}) {
    return {
      name: uniqueName('workty'), desc: 'says hello', template: true, languageTypeId: idOf.languageType('nodejs'),
      entryPointModuleFileName: 'index.js', price: 150, discountPercent: 10, properties: [{ name: 'greeting', value: 'hi' }],
      ...extra,
    };
  }

  describe('publishing (admins)', () => {
    it('takes a package as base64 or as a serialised Buffer and answers without its bytes', async () => {
      const hash = createHash('sha256').update(zip).digest('hex');
      const base64 = await t.admin.api.post('/workties', worktyBody({ compressedCode: zip.toString('base64') }));
      expectStatus(base64, 201);
      expect(base64.headers.location).to.match(new RegExp(`/api/v1/workties/${base64.body._id}$`));
      expect(base64.body.package).to.deep.equal({ hash, size: zip.length });
      expect(base64.body).not.to.have.property('compressedCode');
      expect(base64.body).to.include({ template: true, price: 150, discountPercent: 10, accountId: t.admin.id });
      expect(base64.body.typeId).to.equal(idOf.worktyType('inout'));
      expect(base64.body.propertiesIds).to.have.length(1);
      const buffer = await t.admin.api.post('/workties', worktyBody({ compressedCode: { type: 'Buffer', data: [...zip] } }));
      expectStatus(buffer, 201);
      expect(buffer.body.package).to.deep.equal({ hash, size: zip.length });
      expect(base64.text).not.to.contain(zip.toString('base64'));
    });

    it('refuses what is not a zip, a zip without the entry point, and unknown dictionary ids (409)', async () => {
      const cases = [
        worktyBody({ compressedCode: Buffer.from('hello, not a zip').toString('base64') }),
        worktyBody({ compressedCode: '***not base64***' }),
        worktyBody({ compressedCode: { type: 'Buffer', data: [80, 75, 3, 4, 0, 0] } }),
        worktyBody({ compressedCode: zip.toString('base64'), entryPointModuleFileName: 'main.js' }),
        worktyBody({ languageTypeId: idOf.worktyType('in') }),
        worktyBody({ entryPointModuleFileName: '../escape.js' }),
        worktyBody({ properties: [{ name: 'a', value: 1 }, { name: 'a', value: 2 }] }),
      ];
      for (const body of cases) expectError(await t.admin.api.post('/workties', body), 409, 1);
      expect((await t.admin.api.get('/workties?template=true&entryPointModuleFileName=main.js')).body).to.deep.equal([]);
    });

    it('refuses a package over the limit with 413', async () => {
      const big = await zipOf({ 'index.js': randomBytes(PACKAGE_LIMIT).toString('base64') });
      expect(big.length).to.be.greaterThan(PACKAGE_LIMIT);
      const body = worktyBody({ compressedCode: big.toString('base64') });
      expectError(await t.admin.api.post('/workties', body), 413, 1);
      expectError(await t.admin.api.post('/workties', worktyBody({ compressedCode: { type: 'Buffer', data: [...big] } })), 413, 1);
      expect((await t.admin.api.get(`/workties?name=${body.name}`)).body).to.deep.equal([]);
    });

    it('updates, replaces or removes the package, and manages properties', async () => {
      const created = (await t.admin.api.post('/workties', worktyBody({ template: false }))).body;
      const path = `/workties/${created._id}`;
      const updated = await t.admin.api.put(path, { price: 99, compressedCode: zip.toString('base64') });
      expectStatus(updated, 200);
      expect(updated.body.price).to.equal(99);
      expect(updated.body.package.size).to.equal(zip.length);
      expectError(await t.admin.api.put(path, { compressedCode: Buffer.from('nope').toString('base64') }), 409, 1);
      expect((await t.admin.api.put(path, { compressedCode: null })).body.package).to.equal(null);
      expectError(await t.admin.api.get(`${path}/package`), 404, 2);

      const added = await t.admin.api.post(`${path}/properties`, { name: 'timeout', value: 1000 });
      expectStatus(added, 201);
      expect(added.body).to.include({ name: 'timeout', value: 1000 });
      expect(added.headers.location).to.match(new RegExp(`/api/v1${path}/properties/${added.body._id}$`));
      const changed = await t.admin.api.put(`${path}/properties/${added.body._id}`, { value: 2000 });
      expect(changed.body).to.deep.equal({ _id: added.body._id, name: 'timeout', value: 2000 });
      expectError(await t.admin.api.put(`${path}/properties/${added.body._id}`, { name: '1bad name' }), 409, 1);
      expectStatus(await t.admin.api.del(`${path}/properties/${added.body._id}`), 204);
      expectError(await t.admin.api.del(`${path}/properties/${added.body._id}`), 404, 2);
      const read = await t.admin.api.get(`${path}?embed=properties`);
      expect(read.body.propertiesIds.map((p: { name: string }) => p.name)).to.deep.equal(['greeting']);
    });

    it('refuses to delete a workty that instances use (409), deletes it otherwise', async () => {
      const used = await ownWorkty(t, alice);
      await workflowWith(t, alice, [used]);
      expectError(await t.admin.api.del(`/workties/${used._id}`), 409, 3);
      const unused = await makeTemplate(t);
      expectStatus(await t.admin.api.del(`/workties/${unused._id}`), 204);
      expectError(await t.admin.api.get(`/workties/${unused._id}`), 404, 2);
    });
  });

  describe('as a regular user', () => {
    it('lists own workties and templates, never another\'s, never package bytes', async () => {
      const template = await makeTemplate(t);
      const mine = await ownWorkty(t, alice);
      const bobs = await ownWorkty(t, bob);
      const list = await alice.api.get('/workties?per_page=1000');
      const ids = list.body.map((w: { _id: string }) => w._id);
      expect(ids).to.include.members([template._id, mine._id]);
      expect(ids).not.to.include(bobs._id);
      for (const workty of list.body) {
        expect(workty).not.to.have.property('compressedCode');
        expect(workty.template || workty.accountId === alice.id).to.equal(true);
        if (workty.package !== null) expect(workty.package).to.have.keys(['hash', 'size']);
      }
      const own = await alice.api.get('/workties?template=false');
      expect(own.body.map((w: { _id: string }) => w._id)).to.include(mine._id);
      expect(own.body.every((w: { accountId: string }) => w.accountId === alice.id)).to.equal(true);
      expectError(await alice.api.get(`/workties/${bobs._id}`), 404, 2);
      expectError(await alice.api.get(`/workties/${bobs._id}/package`), 404, 2);
    });

    it('embeds dictionaries and properties; another account (the template\'s admin) becomes null', async () => {
      const template = await makeTemplate(t);
      const read = await alice.api.get(`/workties/${template._id}?embed=type,category,languagetype,validationstate,properties,account`);
      expectStatus(read, 200);
      expect(read.body.typeId.name).to.equal('inout');
      expect(read.body.categoryId.name).to.equal('unit-tests');
      expect(read.body.languageTypeId).to.include({ name: 'nodejs', runtime: 'node' });
      expect(read.body.validationStateId).to.have.property('name');
      expect(read.body.propertiesIds.map((p: { name: string }) => p.name)).to.deep.equal(['timeout', 'greeting']);
      expect(read.body.accountId).to.equal(null);
      const mine = await ownWorkty(t, alice);
      expect((await alice.api.get(`/workties/${mine._id}?embed=account`)).body.accountId._id).to.equal(alice.id);
    });

    it('downloads the package of an own workty; a template only after installing it (code 17)', async () => {
      const template = await makeTemplate(t);
      const refused = await alice.api.get(`/workties/${template._id}/package`);
      expectError(refused, 403, 17);
      const { workty } = await t.store.payments.purchase(alice.id, template._id);
      const download = await alice.api.get(`/workties/${workty._id}/package`);
      expectStatus(download, 200);
      expect(download.headers['content-type']).to.equal('application/zip');
      expect(download.bytes.subarray(0, 4).toString('latin1')).to.equal('PK\x03\x04');
      expect(download.bytes.equals((await t.store.packages.get(workty.package!.hash))!)).to.equal(true);
      expectStatus(await t.admin.api.get(`/workties/${template._id}/package`), 200);
    });

    it('cannot create, change or delete workties, templates included: 403 code 13, nothing changed', async () => {
      const template = await makeTemplate(t);
      const mine = await ownWorkty(t, alice);
      expectError(await alice.api.post('/workties', worktyBody()), 403, 13);
      for (const workty of [template, mine]) {
        expectError(await alice.api.put(`/workties/${workty._id}`, { price: 0 }), 403, 13);
        expectError(await alice.api.del(`/workties/${workty._id}`), 403, 13);
        expectError(await alice.api.post(`/workties/${workty._id}/properties`, { name: 'x', value: 1 }), 403, 13);
        const property = workty.properties[0]!._id;
        expectError(await alice.api.put(`/workties/${workty._id}/properties/${property}`, { value: 0 }), 403, 13);
        expectError(await alice.api.del(`/workties/${workty._id}/properties/${property}`), 403, 13);
      }
      expect((await t.store.workties.get(template._id, { scope: { all: true }, withTemplates: true }))).to.deep.include({ price: template.price });
    });
  });
});
