import { expect } from 'chai';
import type { AccountCredentials } from '../../../shared/domain/model.js';
import { CredentialVerifier, PasswordHasher } from '../../../shared/security/passwords.js';
import { generateSecret, hashSecret, secretMatches } from '../../../shared/security/secrets.js';

/** A hasher that counts full bcrypt comparisons. */
class CountingHasher extends PasswordHasher {
  comparisons = 0;
  override compare(password: string, hash: string): Promise<boolean> {
    this.comparisons += 1;
    return super.compare(password, hash);
  }
}

describe('password verification with the cached check', () => {
  const hasher = new CountingHasher({ cost: 4 });
  let stored: AccountCredentials;
  const lookup = { findCredentialsByEmail: async (email: string) => (email.toLowerCase() === 'ann@example.com' ? stored : null) };

  beforeEach(async () => {
    hasher.comparisons = 0;
    stored = {
      account: {
        _id: '0123456789abcdef01234567', name: 'Ann', email: 'ann@example.com', aclRoleNames: ['regular'], amount: 0,
        removed: false, removedDate: null, created: '', updated: '',
      },
      passwordHash: await hasher.hash('correct horse battery'),
      credentialsVersion: 1,
    };
  });

  it('pays bcrypt once for repeated successes', async () => {
    const verifier = new CredentialVerifier(lookup, hasher, { ttlMs: 60_000 });
    for (let i = 0; i < 5; i += 1) expect(await verifier.verify('ann@example.com', 'correct horse battery')).to.equal(stored);
    expect(hasher.comparisons).to.equal(1);
  });

  it('pays bcrypt once for concurrent checks of the same credentials', async () => {
    const verifier = new CredentialVerifier(lookup, hasher, { ttlMs: 60_000 });
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify('ann@example.com', 'correct horse battery')));
    expect(results.every((r) => r === stored)).to.equal(true);
    expect(hasher.comparisons).to.equal(1);
    const wrong = await Promise.all([verifier.verify('ann@example.com', 'wrong horse battery'), verifier.verify('ann@example.com', 'wrong horse battery')]);
    expect(wrong).to.deep.equal([null, null]);
    expect(hasher.comparisons).to.equal(2);
  });

  it('never caches a failure and never accepts a wrong password', async () => {
    const verifier = new CredentialVerifier(lookup, hasher, { ttlMs: 60_000 });
    await verifier.verify('ann@example.com', 'correct horse battery');
    expect(await verifier.verify('ann@example.com', 'wrong horse battery')).to.equal(null);
    expect(await verifier.verify('ann@example.com', 'wrong horse battery')).to.equal(null);
    expect(hasher.comparisons).to.equal(3);
  });

  it('forgets a success at once when the password changes', async () => {
    const verifier = new CredentialVerifier(lookup, hasher, { ttlMs: 60_000 });
    expect(await verifier.verify('ann@example.com', 'correct horse battery')).to.not.equal(null);
    stored = { ...stored, passwordHash: await hasher.hash('new password here'), credentialsVersion: 2 };
    expect(await verifier.verify('ann@example.com', 'correct horse battery')).to.equal(null);
    expect(await verifier.verify('ann@example.com', 'new password here')).to.not.equal(null);
  });

  it('re-checks after a removal bumps the credentials version', async () => {
    const verifier = new CredentialVerifier(lookup, hasher, { ttlMs: 60_000 });
    await verifier.verify('ann@example.com', 'correct horse battery');
    stored = { ...stored, account: { ...stored.account, removed: true }, credentialsVersion: 2 };
    const again = await verifier.verify('ann@example.com', 'correct horse battery');
    expect(again?.account.removed).to.equal(true);
    expect(hasher.comparisons).to.equal(2);
  });

  it('costs a comparison for an unknown email too, and caches nothing when the TTL is 0', async () => {
    const verifier = new CredentialVerifier(lookup, hasher, { ttlMs: 0 });
    expect(await verifier.verify('nobody@example.com', 'whatever password')).to.equal(null);
    expect(hasher.comparisons).to.equal(1);
    await verifier.verify('ann@example.com', 'correct horse battery');
    await verifier.verify('ann@example.com', 'correct horse battery');
    expect(hasher.comparisons).to.equal(3);
    expect(verifier.size).to.equal(0);
  });
});

describe('high-entropy secrets', () => {
  it('are random, stored as SHA-256 and compared in constant time', () => {
    const a = generateSecret();
    expect(a).to.have.length(43);
    expect(generateSecret()).to.not.equal(a);
    expect(hashSecret(a)).to.match(/^[0-9a-f]{64}$/);
    expect(secretMatches(a, hashSecret(a))).to.equal(true);
    expect(secretMatches(`${a}x`, hashSecret(a))).to.equal(false);
    expect(secretMatches(a, 'abcd')).to.equal(false);
  });
});
