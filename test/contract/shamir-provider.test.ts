/** The Shamir provider against the unseal-provider contract, plus quorum-specific behaviour. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createShamirProvider, decodeShare } from '../../src/providers/shamir/index.js';
import { UnsealRejectedError } from '../../src/providers/types.js';
import { unsealProviderContract } from './unseal-provider.contract.js';

const provider = createShamirProvider();
unsealProviderContract('shamir 1-of-1', provider, { type: 'shamir', shares: 1, threshold: 1 });
unsealProviderContract('shamir 3-of-5', provider, { type: 'shamir', shares: 5, threshold: 3 });
unsealProviderContract('shamir 16-of-16', provider, { type: 'shamir', shares: 16, threshold: 16 });

describe('shamir quorum', () => {
  const config = { type: 'shamir' as const, shares: 5, threshold: 3 };

  it('every 3-subset of 5 shares recovers the key; no 2-subset does', async () => {
    const rootKey = new Uint8Array(randomBytes(32));
    const { sealedRootKey, shares } = await provider.protect(rootKey.slice(), config);
    for (let a = 0; a < 5; a++) for (let b = a + 1; b < 5; b++) {
      await assert.rejects(provider.recover(sealedRootKey, { shares: [shares[a]!, shares[b]!] }, config), UnsealRejectedError);
      for (let c = b + 1; c < 5; c++) {
        assert.deepEqual(await provider.recover(sealedRootKey, { shares: [shares[a]!, shares[b]!, shares[c]!] }, config), rootKey);
      }
    }
  });

  it('a share with one altered byte makes recovery fail, not yield a wrong key', async () => {
    const { sealedRootKey, shares } = await provider.protect(new Uint8Array(randomBytes(32)), config);
    const bad = shares[0]!.slice();
    bad[5]! ^= 0x80;
    await assert.rejects(provider.recover(sealedRootKey, { shares: [bad, shares[1]!, shares[2]!] }, config), UnsealRejectedError);
  });

  it('shares carry their format and threshold; malformed ones are rejected', async () => {
    const { shares } = await provider.protect(new Uint8Array(randomBytes(32)), config);
    assert.equal(decodeShare(shares[0]!).threshold, 3);
    assert.throws(() => decodeShare(new Uint8Array([2, 3, ...new Uint8Array(33)])), UnsealRejectedError);
    assert.throws(() => decodeShare(shares[0]!.subarray(0, 20)), UnsealRejectedError);
  });

  it('refuses share counts outside 1 ≤ M ≤ N ≤ 16', async () => {
    for (const [shares, threshold] of [[0, 0], [3, 4], [17, 2], [2, 0]]) {
      await assert.rejects(provider.protect(new Uint8Array(32), { type: 'shamir', shares: shares!, threshold: threshold! }), RangeError);
    }
  });
});
