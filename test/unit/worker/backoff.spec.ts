import { expect } from 'chai';
import { Backoff } from '../../../worker/connection/backoff.js';

describe('reconnection backoff', () => {
  it('doubles from the minimum to the maximum, with half of each delay random', () => {
    const low = new Backoff(100, 1000, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).to.deep.equal([50, 100, 200, 400, 500, 500]);
    const high = new Backoff(100, 1000, () => 1);
    expect([1, 2, 3, 4, 5, 6].map(() => high.next())).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
  });

  it('starts again from the minimum after a success', () => {
    const backoff = new Backoff(100, 1000, () => 1);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).to.equal(100);
    expect(backoff.failureCount).to.equal(1);
  });

  it('waits at least what a refusal asks, plus up to a tenth of jitter', () => {
    const none = new Backoff(100, 1000, () => 0);
    expect(none.atLeast(60_000)).to.equal(60_000);
    const most = new Backoff(100, 1000, () => 1);
    expect(most.atLeast(60_000)).to.equal(66_000);
    // A small floor does not shorten the exponential delay.
    expect(new Backoff(1000, 8000, () => 1).atLeast(10)).to.equal(1000);
  });
});
