/**
 * Golden customer ciphertexts for aes256 keys (src/crypto/aes256.ts): what Encrypt and
 * GenerateDataKey returned to customers must decrypt forever. test/vectors/golden/aes256-v1.json
 * was generated once by encryptWithKey and must never be regenerated.
 *
 * Format: envelope v1 with the key version in the term field, context
 * "strongbox/data/<keyId>/<hex(aad)>"; the key check value is AES-256-ECB(key, 0^128)[0..3].
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ciphertextVersion, decryptWithKey, keyCheckValue } from '../../src/crypto/aes256.js';
import { AeadAuthenticationError } from '../../src/crypto/aead.js';
import { openEnvelope } from '../../src/keyring/envelope.js';
import { fixture } from '../helpers/paths.js';

interface GoldenAes256 {
  key: string;
  keyId: string;
  kcv: string;
  cases: { name: string; version: number; aad: string; plaintext: string; ciphertext: string }[];
}

const golden = JSON.parse(readFileSync(fixture('vectors', 'golden', 'aes256-v1.json'), 'utf8')) as GoldenAes256;
const hex = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

test('golden aes256: key check value', () => {
  assert.equal(toHex(keyCheckValue(hex(golden.key))), golden.kcv);
});

for (const c of golden.cases) {
  test(`golden aes256 "${c.name}": decrypts, names its key version, and binds key id and AAD`, () => {
    const key = hex(golden.key);
    const ciphertext = hex(c.ciphertext);
    const aad = hex(c.aad);
    assert.equal(ciphertextVersion(ciphertext), c.version, 'ciphertextVersion');
    assert.equal(toHex(decryptWithKey(key, golden.keyId, ciphertext, aad)), c.plaintext, 'decryptWithKey');
    assert.equal(toHex(openEnvelope(key, ciphertext, `strongbox/data/${golden.keyId}/${c.aad}`)), c.plaintext, 'the documented context');

    const otherKey = key.slice();
    otherKey[0]! ^= 0x01;
    const tampered = ciphertext.slice();
    tampered[ciphertext.byteLength - 1]! ^= 0x01;
    const rejects: [string, () => unknown][] = [
      ['another key id', () => decryptWithKey(key, golden.keyId.replace(/.$/, '0'), ciphertext, aad)],
      ['another AAD', () => decryptWithKey(key, golden.keyId, ciphertext, new Uint8Array([...aad, 0]))],
      ['another key', () => decryptWithKey(otherKey, golden.keyId, ciphertext, aad)],
      ['a flipped tag byte', () => decryptWithKey(key, golden.keyId, tampered, aad)],
    ];
    for (const [what, fn] of rejects) assert.throws(fn, AeadAuthenticationError, `${c.name}: ${what} must fail authentication`);
  });
}
