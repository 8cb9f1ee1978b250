/**
 * The HTTP conventions every route shares: the error body, authentication, versions, method
 * override, body handling (413, 415, 400), pretty printing, Location, health and openapi.json.
 */
import { compileErrors, validate } from '@readme/openapi-parser';
import { expect } from 'chai';
import { API_VERSIONS, LATEST_API_VERSION } from '../../../restapi/http/versioning.js';
import { expectError } from '../../lib/api-assert.js';
import { basic } from '../../lib/https-client.js';
import { startTestRestApi, uniqueName } from '../../lib/restapi.js';
import type { TestRestApi } from '../../lib/restapi.js';

describe('REST conventions', () => {
  let t: TestRestApi;

  before(async () => {
    t = await startTestRestApi({ env: { WORKTY_REST_BODY_LIMIT: '2048' } });
  });

  after(async () => {
    await t.assertNoSecretsLeaked();
    await t.close();
  });

  describe('authentication', () => {
    it('answers a request without credentials at once with 401 and a Basic challenge', async () => {
      const response = await t.client.get('/workflows');
      expectError(response, 401, 1);
      expect(response.headers['www-authenticate']).to.equal('Basic realm="workty"');
    });

    it('answers wrong credentials with 401, never repeating what was sent', async () => {
      const guess = `guess-${uniqueName('pw')}`;
      const response = await t.client.get('/workflows', { auth: { email: t.admin.email, password: guess } });
      expectError(response, 401, 1);
      expect(response.headers['www-authenticate']).to.equal('Basic realm="workty"');
      expect(response.text).not.to.contain(guess);
      expect(response.text).not.to.contain(t.admin.email);
    });

    it('answers unreadable Authorization headers with 401', async () => {
      for (const header of ['Bearer abc', 'Basic', 'Basic !!!', basic({ email: 'nobody', password: '' }), `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
        const response = await t.client.get('/workflows', { auth: header });
        expectError(response, 401, 1);
      }
    });

    it('accepts a password holding colons (everything after the first colon is the password)', async () => {
      const email = `${uniqueName('colon')}@example.com`;
      const password = 'with:colons:inside:it';
      t.secret(password);
      const created = await t.admin.api.post('/accounts', { name: 'Colon', email, password });
      expect(created.status, created.text).to.equal(201);
      const me = await t.client.get('/accounts/me', { auth: { email, password } });
      expect(me.status, me.text).to.equal(200);
      expect(me.body.email).to.equal(email);
    });

    it('refuses a removed account with 403 code 14', async () => {
      const user = await t.createUser();
      expect((await user.api.get('/accounts/me')).status).to.equal(200);
      expect((await t.admin.api.del(`/accounts/${user.id}`)).status).to.equal(204);
      expectError(await user.api.get('/accounts/me'), 403, 14);
    });

    it('needs no credentials for health and openapi.json', async () => {
      expect((await t.client.get('/health')).status).to.equal(200);
      expect((await t.client.get('/openapi.json')).status).to.equal(200);
    });
  });

  describe('error shapes of the router', () => {
    it('answers an unknown route with the JSON error body (404 code 2)', async () => {
      expectError(await t.admin.api.get('/no-such-thing'), 404, 2);
      expectError(await t.client.get('/api/v2/workflows'), 404, 2);
    });

    it('answers a method a path does not take with 405 and Allow', async () => {
      const response = await t.admin.api.request('PATCH', '/workflows');
      expectError(response, 405, 1);
      expect(response.headers.allow).to.contain('GET').and.to.contain('POST');
    });

    it('answers a malformed id with 400, not 404 or 500', async () => {
      expectError(await t.admin.api.get('/workflows/not-an-id'), 400, 1);
      expectError(await t.admin.api.get('/workflows/ABCDEF0123456789ABCDEF01'), 400, 1);
    });
  });

  describe('Accept-Version', () => {
    it('serves 2016.10.1, the latest, and ranges that match one of them', async () => {
      const cases: Array<[string | undefined, string]> = [
        [undefined, LATEST_API_VERSION], ['2016.10.1', '2016.10.1'], ['~2016.10', '2016.10.1'], ['*', LATEST_API_VERSION],
        [LATEST_API_VERSION, LATEST_API_VERSION], ['>=2016.10.1', LATEST_API_VERSION],
      ];
      for (const [asked, served] of cases) {
        const headers: Record<string, string> = asked === undefined ? {} : { 'Accept-Version': asked };
        const response = await t.admin.api.get('/workflows', { headers });
        expect(response.status, `${asked}: ${response.text}`).to.equal(200);
        expect(response.headers['api-version']).to.equal(served);
      }
      expect(API_VERSIONS).to.include('2016.10.1');
    });

    it('answers an unknown version with 400', async () => {
      for (const asked of ['1.0.0', '2017.1.1', 'yesterday']) {
        expectError(await t.admin.api.get('/workflows', { headers: { 'Accept-Version': asked } }), 400, 1);
      }
    });
  });

  describe('X-Http-Method-Override', () => {
    it('serves a POST as PUT or DELETE', async () => {
      const created = await t.admin.api.post('/workflows', { name: uniqueName('wf') });
      const path = `/workflows/${created.body._id}`;
      const renamed = await t.admin.api.post(path, { name: 'renamed' }, { headers: { 'X-Http-Method-Override': 'PUT' } });
      expect(renamed.status, renamed.text).to.equal(200);
      expect(renamed.body.name).to.equal('renamed');
      const deleted = await t.admin.api.post(path, undefined, { headers: { 'X-Http-Method-Override': 'delete' } });
      expect(deleted.status).to.equal(204);
      expectError(await t.admin.api.get(path), 404, 2);
    });

    it('refuses any other override with 400 and changes nothing', async () => {
      const created = await t.admin.api.post('/workflows', { name: uniqueName('wf') });
      const response = await t.admin.api.post(`/workflows/${created.body._id}`, { name: 'x' }, { headers: { 'X-Http-Method-Override': 'PATCH' } });
      expectError(response, 400, 1);
      expect((await t.admin.api.get(`/workflows/${created.body._id}`)).body.name).to.equal(created.body.name);
    });
  });

  describe('request bodies', () => {
    async function workflowCount(): Promise<number> {
      const response = await t.admin.api.get('/workflows?count=true&per_page=1');
      return Number(response.headers['records-count']);
    }

    it('answers a body that is not JSON with 415 and changes nothing', async () => {
      const before = await workflowCount();
      const cases: Array<[string, string]> = [
        ['text/plain', '{"name":"x"}'], ['application/x-www-form-urlencoded', 'name=x'], ['application/json', '{"name": '],
        ['application/json; charset=latin1', '{"name":"x"}'],
      ];
      for (const [type, raw] of cases) {
        expectError(await t.admin.api.request('POST', '/workflows', { raw, headers: { 'Content-Type': type } }), 415, 1);
      }
      expect(await workflowCount()).to.equal(before);
    });

    it('answers a body over the limit with 413, declared or streamed, and changes nothing', async () => {
      const before = await workflowCount();
      const big = JSON.stringify({ name: 'x', desc: 'y'.repeat(4000) });
      expectError(await t.admin.api.request('POST', '/workflows', { raw: big, headers: { 'Content-Type': 'application/json' } }), 413, 1);
      const chunked = await t.admin.api.request('POST', '/workflows', {
        raw: big, headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      });
      expectError(chunked, 413, 1);
      expect(await workflowCount()).to.equal(before);
    });

    it('answers a JSON body that is not an object, or names unknown fields, with 400', async () => {
      expectError(await t.admin.api.post('/workflows', [1, 2]), 400, 1);
      expectError(await t.admin.api.post('/workflows', null), 400, 1);
      expectError(await t.admin.api.post('/workflows', '{"name": "x"}'), 400, 1);
      const unknown = await t.admin.api.post('/workflows', { name: 'x', accountId: t.admin.id, extra: 1 });
      expectError(unknown, 400, 1);
      expect(unknown.body.error.errors[0].message).to.contain('`accountId`').and.to.contain('`extra`');
    });

    it('answers broken rules with 409 Validation Error in the 2016 words', async () => {
      const response = await t.admin.api.post('/workflows', { desc: 5 });
      expectError(response, 409, 1);
      expect(response.body.error.message).to.equal('Validation Error');
      expect(response.body.error.errors).to.deep.include({ path: 'name', message: 'Path `name` is required.' });
      expect(response.body.error.errors).to.deep.include({ path: 'desc', message: 'Path `desc` is invalid: must be a string.' });
    });

    it('answers an update naming nothing with 400', async () => {
      const created = await t.admin.api.post('/workflows', { name: uniqueName('wf') });
      expectError(await t.admin.api.put(`/workflows/${created.body._id}`, {}), 400, 1);
    });
  });

  describe('responses', () => {
    it('pretty-prints JSON unless pretty=false', async () => {
      const pretty = await t.admin.api.get('/accounts/me');
      expect(pretty.text).to.contain('\n  "_id"');
      const compact = await t.admin.api.get('/accounts/me?pretty=false');
      expect(compact.text).not.to.contain('\n');
      expect(compact.body).to.deep.equal(pretty.body);
      const error = await t.admin.api.get('/no-such-thing?pretty=false');
      expect(error.text).not.to.contain('\n');
    });

    it('builds Location from the request\'s own Host header', async () => {
      const created = await t.admin.api.post('/workflows', { name: uniqueName('wf') }, { headers: { Host: 'boards.example.test:8443' } });
      expect(created.status).to.equal(201);
      expect(created.headers.location).to.equal(`https://boards.example.test:8443/api/v1/workflows/${created.body._id}`);
    });
  });

  describe('request log', () => {
    it('writes one line per request: method, route, status, duration, account, never credentials', async () => {
      const marker = uniqueName('logged');
      await t.admin.api.get(`/workflows?name=${marker}`);
      await t.client.get(`/workflows?name=${marker}`);
      const lines = t.logs().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'request' && line.route === 'listWorkflows');
      const ok = lines.find((line) => line.status === 200 && line.accountId === t.admin.id);
      expect(ok).to.include({ method: 'GET', path: '/api/v1/workflows' });
      expect(ok!.ms).to.be.a('number');
      expect(lines.find((line) => line.status === 401 && line.accountId === null)).to.not.equal(undefined);
      expect(t.logs()).not.to.contain(marker);
      expect(t.logs().toLowerCase()).not.to.contain('authorization');
    });
  });

  describe('health', () => {
    it('reports the store ok and an unreachable supervisor as degraded, with 200', async () => {
      const response = await t.client.get('/health');
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.equal({ status: 'degraded', store: 'ok', supervisor: 'unreachable' });
    });
  });

  describe('openapi.json', () => {
    it('describes every route with its parameters, bodies, responses and the error schema', async () => {
      const response = await t.client.get('/openapi.json');
      const doc = response.body;
      expect(doc.openapi).to.match(/^3\./);
      expect(doc.components.schemas.Error.properties.error.properties.code).to.deep.include({ type: 'integer' });
      // The API's routes; `GET /metrics` beside them is for operators (docs/operations.md), not API clients.
      const routes = (t.api.server.getDebugInfo().routes as Array<{ method: string; path: string }>).filter((r) => r.path.startsWith('/api/v1/'));
      expect(routes.length).to.be.greaterThan(40);
      for (const route of routes) {
        const path = route.path.replace(/^\/api\/v1/, '').replace(/:(\w+)/g, '{$1}');
        const operation = doc.paths[path]?.[route.method.toLowerCase()];
        expect(operation, `${route.method} ${route.path}`).to.be.an('object');
        expect(Object.keys(operation.responses).length).to.be.greaterThan(0);
      }
      const create = doc.paths['/workflows'].post;
      expect(create.requestBody.content['application/json'].schema.required).to.deep.equal(['name']);
      expect(create.responses['409'].content['application/json'].schema.$ref).to.equal('#/components/schemas/Error');
      const list = doc.paths['/workflows'].get.parameters.map((p: { name?: string }) => p.name);
      expect(list).to.include.members(['sort', 'fields', 'page_num', 'per_page', 'count', 'embed', 'pretty', 'name']);
      expect(doc['x-error-codes']['15']).to.contain('funds');
    });

    it('is a valid OpenAPI 3 document', async () => {
      const doc = (await t.client.get('/openapi.json')).body;
      const result = await validate(structuredClone(doc));
      expect(result.valid, compileErrors(result)).to.equal(true);
    });
  });
});

describe('REST failed-login throttling', () => {
  let t: TestRestApi;

  before(async () => {
    t = await startTestRestApi({ env: { WORKTY_LOGIN_FAILURES_PER_ACCOUNT: '3', WORKTY_LOGIN_FAILURES_PER_ADDRESS: '6' } });
  });

  after(async () => {
    await t.assertNoSecretsLeaked();
    await t.close();
  });

  it('never slows successful logins', async () => {
    for (let i = 0; i < 20; i += 1) expect((await t.admin.api.get('/accounts/me')).status).to.equal(200);
  });

  it('refuses an account after its failures with 429 and Retry-After, even with the right password', async () => {
    const victim = await t.createUser();
    for (let i = 0; i < 3; i += 1) {
      expectError(await t.client.get('/accounts/me', { auth: { email: victim.email, password: `wrong-${i}` } }), 401, 1);
    }
    const refused = await victim.api.get('/accounts/me');
    expectError(refused, 429, 1);
    expect(Number(refused.headers['retry-after'])).to.be.within(1, 15 * 60);
    // Another account from the same address still logs in.
    expect((await t.admin.api.get('/accounts/me')).status).to.equal(200);
  });

  it('refuses an address after its failures, whatever the account', async () => {
    // The test above spent 3 of this address's 6 failures.
    for (let i = 0; i < 3; i += 1) {
      await t.client.get('/accounts/me', { auth: { email: `${uniqueName('nobody')}@example.com`, password: 'wrong-password' } });
    }
    expectError(await t.admin.api.get('/accounts/me'), 429, 1);
  });
});
