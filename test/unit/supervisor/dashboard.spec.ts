/** The dashboard's response headers: which encodings a browser accepts, and the policy's socket origin. */
import { expect } from 'chai';
import { acceptedEncodings, contentSecurityPolicy } from '../../../supervisor/dashboard.js';

describe('supervisor dashboard headers', () => {
  it('reads Accept-Encoding: names with a non-zero quality, case-insensitive', () => {
    expect([...acceptedEncodings('gzip, deflate, br, zstd')]).to.deep.equal(['gzip', 'deflate', 'br', 'zstd']);
    expect([...acceptedEncodings('br;q=0, GZIP;q=0.5')]).to.deep.equal(['gzip']);
    expect([...acceptedEncodings('br;q=0.0,gzip;q=0.001')]).to.deep.equal(['gzip']);
    expect([...acceptedEncodings('')]).to.deep.equal([]);
    expect([...acceptedEncodings(' , identity')]).to.deep.equal(['identity']);
  });

  it('allows the socket of the host the page came from, and repeats nothing else of the Host header', () => {
    expect(contentSecurityPolicy('board.local:3000')).to.include("connect-src 'self' wss://board.local:3000;");
    expect(contentSecurityPolicy('[::1]:3000')).to.include("connect-src 'self' wss://[::1]:3000;");
    expect(contentSecurityPolicy('192.168.1.20')).to.include("connect-src 'self' wss://192.168.1.20;");
    for (const hostile of ['evil.com; script-src *', "x' 'unsafe-inline", 'a b', undefined]) {
      const policy = contentSecurityPolicy(hostile);
      expect(policy, String(hostile)).to.include("connect-src 'self';");
      expect(policy).not.to.include('unsafe').and.not.include('*');
    }
  });
});
