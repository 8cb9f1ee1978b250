/** The REST plumbing's pure parts: versions, positions, validation messages, errors, embeds. */
import { expect } from 'chai';
import { z } from 'zod';
import { dictionaryEntryId } from '../../../shared/domain/dictionaries.js';
import { BadRequestError, ConflictError, ErrorCode, TooManyRequestsError, UnauthorizedError, ValidationError } from '../../../shared/domain/errors.js';
import { toErrorResponse } from '../../../restapi/http/errors.js';
import { parseEmbed, toListQuery } from '../../../shared/services/list-query.js';
import { parseBody, parseInput } from '../../../shared/services/validation.js';
import { LATEST_API_VERSION, pickVersion } from '../../../restapi/http/versioning.js';
import { instanceRep, workflowRep } from '../../../shared/representation/documents.js';
import { parsePosition } from '../../../shared/services/instances.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('REST plumbing', () => {
  it('picks dated versions like restify reads Accept-Version', () => {
    expect(pickVersion(undefined)).to.equal(LATEST_API_VERSION);
    expect(pickVersion('2016.10.1')).to.equal('2016.10.1');
    expect(pickVersion('~2016.10.0')).to.equal('2016.10.1');
    expect(pickVersion('2015.1.1')).to.equal(null);
    expect(pickVersion('not a version')).to.equal(null);
  });

  it('parses positions with the 2016 codes', () => {
    expect(parsePosition({})).to.deep.equal({});
    expect(parsePosition({ position_type: 'first' })).to.deep.equal({ type: 'first' });
    expect(parsePosition({ position_index: '2' })).to.deep.equal({ index: 2 });
    expect(parsePosition({ position_index: 0 })).to.deep.equal({ index: 0 });
    expect(parsePosition({ position_id: 'abcdefabcdefabcdefabcdef' })).to.deep.equal({ beforeId: 'abcdefabcdefabcdefabcdef' });
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ position_type: 'middle' }, ErrorCode.badPositionType], [{ position_index: '-1' }, ErrorCode.badPositionIndex],
      [{ position_index: 1.5 }, ErrorCode.badPositionIndex], [{ position_id: 'x' }, ErrorCode.badPositionId],
      [{ position_type: 'last', position_id: 'abcdefabcdefabcdefabcdef' }, ErrorCode.invalidInput],
    ];
    for (const [given, code] of cases) {
      const error = thrown(() => parsePosition(given));
      expect(error).to.be.instanceOf(BadRequestError);
      expect((error as BadRequestError).code).to.equal(code);
    }
  });

  it('words body failures like mongoose did, without repeating values', () => {
    const schema = z.strictObject({ email: z.string().max(5), password: z.string().min(12), n: z.int().optional() });
    const error = thrown(() => parseBody(schema, { email: 'far-too-long', password: 'hunter2', n: 1.5 })) as ValidationError;
    expect(error).to.be.instanceOf(ValidationError);
    expect(error.errors).to.deep.equal([
      { path: 'email', message: 'Path `email` is invalid: must have at most 5 characters.' },
      { path: 'password', message: 'Path `password` is invalid: must have at least 12 characters.' },
      { path: 'n', message: 'Path `n` is invalid: must be an integer.' },
    ]);
    expect(JSON.stringify(error.errors)).not.to.contain('hunter2');
    const missing = thrown(() => parseBody(schema, {})) as ValidationError;
    expect(missing.errors[0]).to.deep.equal({ path: 'email', message: 'Path `email` is required.' });
    expect(thrown(() => parseBody(schema, { email: 'a', password: 'x'.repeat(12), role: 'admin' }))).to.be.instanceOf(BadRequestError);
    expect(thrown(() => parseInput(schema, { extra: '1' }, 'query'))).to.be.instanceOf(BadRequestError);
  });

  it('maps every error to a status and the 2016 body, hiding what is unexpected', () => {
    const unauthorized = toErrorResponse(new UnauthorizedError());
    expect(unauthorized.status).to.equal(401);
    expect(unauthorized.headers['WWW-Authenticate']).to.equal('Basic realm="workty"');
    expect(toErrorResponse(new TooManyRequestsError(7)).headers['Retry-After']).to.equal('7');
    expect(toErrorResponse(new ConflictError('busy')).body.error).to.include({ code: 3, message: 'busy' });
    const restifyLike = Object.assign(new Error('GET is not allowed'), { statusCode: 405 });
    expect(toErrorResponse(restifyLike)).to.include({ status: 405 });
    const unexpected = toErrorResponse(new Error('SQLITE_CORRUPT at /secret/path'));
    expect(unexpected.status).to.equal(500);
    expect(unexpected.internal).to.equal(true);
    expect(JSON.stringify(unexpected.body)).not.to.contain('secret');
  });

  it('translates API field names to the store\'s and refuses unknown embeds at any depth', () => {
    const parsed = toListQuery(instanceRep, { stateId: dictionaryEntryId('instanceStates', 'running'), sort: '-stateId,name', fields: 'stateId' });
    expect(parsed.query.sort).to.deep.equal([{ field: 'state', direction: 'desc' }, { field: 'name', direction: 'asc' }]);
    expect(parsed.query.fields).to.have.members(['_id', 'state']);
    expect(parsed.fields).to.deep.equal(['_id', 'stateId']);
    expect(parsed.query.filter).to.deep.equal({ state: 'running' });
    expect([...parseEmbed(workflowRep, ['worktiesinstances.state', 'account'])]).to.deep.equal([['worktiesinstances', ['state']], ['account', []]]);
    expect(thrown(() => parseEmbed(workflowRep, ['worktiesinstances.nope']))).to.be.instanceOf(BadRequestError);
    expect(thrown(() => parseEmbed(workflowRep, ['account.anything']))).to.be.instanceOf(BadRequestError);
  });
});
