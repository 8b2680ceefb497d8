import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ethereumAddress, toChecksumAddress } from './address.js';
import { native } from '../../crypto/signers/secp256k1.js';

describe('EIP-55 addresses', () => {
  // Test cases listed in EIP-55 itself.
  const eip55 = ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb'];
  for (const expected of eip55) {
    it(`checksums ${expected}`, () => {
      assert.equal(toChecksumAddress(Buffer.from(expected.slice(2).toLowerCase(), 'hex')), expected);
    });
  }

  it('derives the address of private key 1 (the generator point)', () => {
    const pub = native.publicKeyCreate(Buffer.from('00'.repeat(31) + '01', 'hex'), false);
    assert.equal(ethereumAddress(pub), '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf');
  });

  it('rejects a compressed key', () => {
    assert.throws(() => ethereumAddress(new Uint8Array(33)), RangeError);
  });
});
