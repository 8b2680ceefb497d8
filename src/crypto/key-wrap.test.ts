import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt, constants, createPublicKey } from 'node:crypto';
import { KeyUnwrapError, parseRsaWrappingKey, unwrapRsaAes, WrappingKeyError, wrapRsaAes } from './key-wrap.js';

const AIV = Buffer.from('a65959a6', 'hex');

describe('RSA_AES_KEY_WRAP_SHA_256', () => {
  // RFC 5649 §6 test vectors (192-bit KEK): they pin OpenSSL's KWP and the AIV we pass as its IV.
  for (const [label, key, wrap] of [
    ['20-octet key', 'c37b7e6492584340bed12207808941155068f738', '138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a'],
    ['7-octet key', '466f7250617369', 'afbeb0f07dfbf5419200f2ccb50bb24f'],
  ] as const) {
    it(`RFC 5649 §6, ${label}`, () => {
      const kek = Buffer.from('5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8', 'hex');
      const c = createCipheriv('id-aes192-wrap-pad', kek, AIV);
      assert.equal(Buffer.concat([c.update(Buffer.from(key, 'hex')), c.final()]).toString('hex'), wrap);
    });
  }

  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;

  it('wraps to RSA-OAEP-SHA-256 ‖ KWP, unwrapped independently with node:crypto', () => {
    const material = new Uint8Array(32).fill(0x5a);
    const blob = Buffer.from(wrapRsaAes(parseRsaWrappingKey(pem), material));
    assert.equal(blob.byteLength, 256 + 40);
    const aesKey = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, blob.subarray(0, 256));
    assert.equal(aesKey.byteLength, 32);
    const d = createDecipheriv('id-aes256-wrap-pad', aesKey, AIV);
    assert.deepEqual(new Uint8Array(Buffer.concat([d.update(blob.subarray(256)), d.final()])), material);
    assert.deepEqual(unwrapRsaAes(privateKey, blob), material);
  });

  it('unwrap refuses a flipped bit in either part, a wrong length and another key', () => {
    const blob = wrapRsaAes(parseRsaWrappingKey(pem), new Uint8Array(32).fill(1));
    for (const i of [0, 255, 256, blob.byteLength - 1]) {
      const t = blob.slice();
      t[i]! ^= 1;
      assert.throws(() => unwrapRsaAes(privateKey, t), KeyUnwrapError, `bit flip at ${i}`);
    }
    assert.throws(() => unwrapRsaAes(privateKey, blob.subarray(0, 270)), KeyUnwrapError);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    assert.throws(() => unwrapRsaAes(other, blob), KeyUnwrapError);
  });

  it('accepts SPKI and PKCS#1 PEM RSA public keys of 2048-4096 bits only', () => {
    assert.equal(parseRsaWrappingKey(publicKey.export({ type: 'pkcs1', format: 'pem' }) as string).asymmetricKeyDetails?.modulusLength, 2048);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    assert.throws(() => parseRsaWrappingKey(small), /2048-4096 bits, not 1024/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    assert.throws(() => parseRsaWrappingKey(ec), /must be an RSA key, not ec/);
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    assert.throws(() => parseRsaWrappingKey(pss), WrappingKeyError);
    const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    assert.throws(() => parseRsaWrappingKey(priv), WrappingKeyError, 'a private key is never accepted');
    assert.throws(() => parseRsaWrappingKey('hello'), WrappingKeyError);
    assert.throws(() => parseRsaWrappingKey(pem.replace(/[A-Z]{6}/, 'AAAAAA')), WrappingKeyError);
    assert.equal(createPublicKey(pem).asymmetricKeyType, 'rsa');
  });
});
