/** The client socket envelope readers and the one error-to-acknowledgement mapping. */
import { expect } from 'chai';
import {
  BadRequestError, ConflictError, ForbiddenError, InsufficientFundsError, NotFoundError, ValidationError,
} from '../../../shared/domain/errors.js';
import { failure, toAckError } from '../../../supervisor/clients/acks.js';
import { asOptions, entity, envelope, onlyKeys, requestIdOf, takeId } from '../../../supervisor/clients/payload.js';

function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('client sockets: payload envelopes', function () {
  it('reads requestId as a string or a number, never anything else', function () {
    expect(requestIdOf({ requestId: 'r1' })).to.equal('r1');
    expect(requestIdOf({ requestId: 7 })).to.equal(7);
    expect(requestIdOf({ requestId: { $ne: 1 } })).to.equal(null);
    expect(requestIdOf({ requestId: 'x'.repeat(201) })).to.equal(null);
    expect(requestIdOf({ requestId: Number.NaN })).to.equal(null);
    expect(requestIdOf('r1')).to.equal(null);
  });

  it('takes an object payload apart from its requestId; anything else is a 400', function () {
    expect(envelope(undefined)).to.deep.equal({});
    expect(envelope({ workflow: { id: 'a' }, requestId: 'r' })).to.deep.equal({ workflow: { id: 'a' } });
    for (const bad of [null, 'text', 3, [1], Buffer.from('x')]) {
      expect(thrown(() => envelope(bad))).to.be.instanceOf(BadRequestError);
    }
    expect(thrown(() => envelope({ requestId: [] })).message).to.match(/requestId/);
  });

  it('names unknown fields with their path', function () {
    const error = thrown(() => onlyKeys({ workflow: {}, colour: 1, size: 2 }, ['workflow'], 'x.'));
    expect(error).to.be.instanceOf(BadRequestError);
    expect(error.errors).to.deep.equal([{ path: 'x.colour', message: 'unknown field' }, { path: 'x.size', message: 'unknown field' }]);
    expect(() => onlyKeys({ workflow: {} }, ['workflow'])).not.to.throw();
  });

  it('reads an entity object (copied) and its id as `id` or `_id`', function () {
    const source = { workflow: { id: 'a', name: 'n' } };
    const copy = entity(source, 'workflow');
    expect(takeId(copy, 'workflow')).to.equal('a');
    expect(copy).to.deep.equal({ name: 'n' });
    expect(source.workflow).to.deep.equal({ id: 'a', name: 'n' });
    expect(takeId({ _id: 'b' }, 'workflow')).to.equal('b');
    expect(takeId({ id: 'c', _id: 'c' }, 'workflow')).to.equal('c');
    expect(thrown(() => takeId({ id: 'c', _id: 'd' }, 'workflow')).message).to.match(/differ/);
    expect(thrown(() => takeId({}, 'workflow.worktyInstance')).message).to.equal('Give workflow.worktyInstance.id');
    expect(thrown(() => entity({ workflow: [] }, 'workflow')).message).to.equal('workflow must be an object');
  });

  it('reads options as text, as a query string would carry them', function () {
    expect(asOptions({ per_page: 10, count: true, sort: '-created', nested: { a: 1 } })).to.deep.equal({
      per_page: '10', count: 'true', sort: '-created', nested: { a: 1 },
    });
  });
});

describe('client sockets: errors to acknowledgements', function () {
  it('keeps a DomainError\'s status, 2016 code, message and field errors, as REST answers them', function () {
    expect(toAckError(new NotFoundError('Workflow', 'x'))).to.deep.equal({ statusCode: 404, code: 2, message: 'Workflow x not found', internal: false });
    expect(toAckError(new ForbiddenError())).to.include({ statusCode: 403, code: 13 });
    expect(toAckError(new ForbiddenError('Account removed', 14))).to.include({ statusCode: 403, code: 14 });
    expect(toAckError(new ConflictError('busy'))).to.include({ statusCode: 409, code: 3 });
    expect(toAckError(new InsufficientFundsError(100, 5))).to.include({ statusCode: 402, code: 15 });
    const validation = toAckError(new ValidationError([{ path: 'name', message: 'Path `name` is required.' }]));
    expect(validation).to.deep.equal({
      statusCode: 409, code: 1, message: 'Validation Error', errors: [{ path: 'name', message: 'Path `name` is required.' }], internal: false,
    });
    expect(toAckError(new BadRequestError('bad', 12))).not.to.have.property('errors');
  });

  it('hides anything else as an internal error (500), flagged for the log', function () {
    const { ack, internal } = failure(new Error('database exploded at /var/lib/x'), 'r9');
    expect(internal).to.equal(true);
    expect(ack).to.deep.equal({ err: { statusCode: 500, code: 1, message: 'Internal error' }, requestId: 'r9' });
  });
});
