/** Assertions on API answers. */
import { expect } from 'chai';
import type { ApiResponse } from './https-client.js';

/** The answer is the JSON error body of API.md with this status and 2016 code. */
export function expectError(response: ApiResponse, status: number, code: number): void {
  expect(response.status, response.text).to.equal(status);
  expect(response.headers['content-type']).to.match(/^application\/json/);
  expect(response.body.error.code, response.text).to.equal(code);
  expect(response.body.error.message).to.be.a('string').and.not.equal('');
  expect(response.body.error.error_link).to.equal(`/api/v1/openapi.json#/x-error-codes/${code}`);
}

/** The answer has this status (the body is shown when it has not). */
export function expectStatus(response: ApiResponse, status: number): void {
  expect(response.status, response.text).to.equal(status);
}
