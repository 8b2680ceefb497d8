/**
 * The unseal-provider contract: every provider (Shamir now; PKCS#11 and AWS KMS later; any fake)
 * protects a root key so that it is recoverable exactly with valid input and never otherwise.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { UnsealRejectedError, type SealConfig, type UnsealProvider } from '../../src/providers/types.js';

export function unsealProviderContract(name: string, provider: UnsealProvider, config: SealConfig): void {
  describe(`UnsealProvider contract: ${name}`, () => {
    it('recovers the root key it protected', async () => {
      const rootKey = new Uint8Array(randomBytes(32));
      const { sealedRootKey, shares } = await provider.protect(rootKey.slice(), config);
      // Shamir hands out exactly `config.shares` key shares; auto-unseal providers (HSM, cloud KMS)
      // return none: their recovery shares are made by the caller (see UnsealProvider.protect).
      assert.equal(provider.autoUnseal, config.type !== 'shamir', 'only Shamir needs operator input to unseal');
      assert.equal(shares.length, provider.autoUnseal ? 0 : config.shares, 'number of shares returned by protect');
      assert.equal(Buffer.from(sealedRootKey).indexOf(Buffer.from(rootKey)), -1, 'the sealed form does not contain the key');
      const recovered = await provider.recover(sealedRootKey, { shares: shares.slice(0, config.threshold) }, config);
      assert.deepEqual(recovered, rootKey);
    });

    it('refuses an altered sealed root key', async () => {
      const { sealedRootKey, shares } = await provider.protect(new Uint8Array(randomBytes(32)), config);
      sealedRootKey[sealedRootKey.length - 1]! ^= 1;
      await assert.rejects(provider.recover(sealedRootKey, { shares: shares.slice(0, config.threshold) }, config), UnsealRejectedError);
    });

    it('two protections of the same key are unlinkable (fresh randomness)', async () => {
      const rootKey = new Uint8Array(randomBytes(32));
      const a = await provider.protect(rootKey.slice(), config);
      const b = await provider.protect(rootKey.slice(), config);
      assert.notDeepEqual(a.sealedRootKey, b.sealedRootKey);
    });
  });
}
