/** The response cache's rules, against a change-feed head the test moves by hand. */
import { expect } from 'chai';
import { ResponseCache, type CachedResponse } from '../../../restapi/http/response-cache.js';

function answer(text: string): CachedResponse {
  const body = Buffer.from(text);
  return { status: 200, headers: { 'Content-Length': String(body.length) }, body };
}

describe('ResponseCache', () => {
  let head: number;
  let cache: ResponseCache;

  beforeEach(() => {
    head = 7;
    cache = new ResponseCache({ maxBytes: 1024 * 1024, head: async () => head });
  });

  it('serves a kept answer again while the head has not moved', async () => {
    const first = await cache.lookup('k');
    expect(first).to.deep.equal({ head: 7, hit: undefined });
    cache.put('k', first.head, answer('one'));
    const second = await cache.lookup('k');
    expect(second.hit?.body.toString()).to.equal('one');
    expect(cache.stats).to.deep.equal({ hits: 1, misses: 1, invalidations: 0 });
  });

  it('keeps answers per key', async () => {
    cache.put('a', (await cache.lookup('a')).head, answer('A'));
    cache.put('b', (await cache.lookup('b')).head, answer('B'));
    expect((await cache.lookup('a')).hit?.body.toString()).to.equal('A');
    expect((await cache.lookup('b')).hit?.body.toString()).to.equal('B');
    expect((await cache.lookup('c')).hit).to.equal(undefined);
  });

  it('drops every answer once the head moves', async () => {
    cache.put('a', (await cache.lookup('a')).head, answer('A'));
    cache.put('b', (await cache.lookup('b')).head, answer('B'));
    head = 8;
    expect(await cache.lookup('a')).to.deep.equal({ head: 8, hit: undefined });
    expect(cache.size).to.equal(0);
    expect(cache.stats.invalidations).to.equal(1);
    // And a head that goes back (a restored database) is a change too.
    cache.put('a', 8, answer('A8'));
    head = 3;
    expect((await cache.lookup('a')).hit).to.equal(undefined);
  });

  it('does not keep an answer made under a head older than the newest seen', async () => {
    // A request reads the head, then the store moves and another request sees it before the first
    // one has its answer: that answer may predate the change, so it must not be kept.
    const slow = await cache.lookup('k');
    head = 8;
    await cache.lookup('other');
    cache.put('k', slow.head, answer('made from the old state'));
    expect((await cache.lookup('k')).hit).to.equal(undefined);
    expect(cache.size).to.equal(0);
  });

  it('keeps at most its byte budget, least recently used out first', async () => {
    const small = new ResponseCache({ maxBytes: 3 * (1000 + 256 + 1), head: async () => head });
    for (const key of ['a', 'b', 'c']) small.put(key, (await small.lookup(key)).head, answer('x'.repeat(1000)));
    expect(small.size).to.equal(3);
    await small.lookup('a'); // a is now the most recently used
    small.put('d', (await small.lookup('d')).head, answer('x'.repeat(1000)));
    expect(small.size).to.equal(3);
    expect((await small.lookup('b')).hit).to.equal(undefined);
    expect((await small.lookup('a')).hit).to.not.equal(undefined);
    // An answer larger than the whole budget is simply not kept.
    small.put('huge', head, answer('x'.repeat(10_000)));
    expect((await small.lookup('huge')).hit).to.equal(undefined);
  });
});
