/** Key API behaviour through inject on a real SQLite file: create, list, get by id or name, public keys, aes256. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBox, type TestBox } from '../helpers/app.js';

describe('keys API', () => {
  let box: TestBox;
  before(async () => {
    box = await startTestBox();
  });
  after(() => box.cleanup());

  it('creates each key type with public metadata only', async () => {
    for (const type of ['secp256k1', 'p256', 'ed25519', 'aes256']) {
      const res = await box.call('POST', '/v1/keys', { type, name: `k-${type}` });
      assert.equal(res.status, 201, type);
      assert.match(res.body.id, /^[0-9a-f-]{36}$/);
      assert.equal(res.body.exportable, false);
      assert.equal(res.body.state, 'enabled');
      assert.equal(res.body.privateKey, undefined);
      if (type === 'aes256') assert.match(res.body.kcv, /^0x[0-9a-f]{6}$/);
      else assert.equal(res.body.publicKey.length, type === 'ed25519' ? 66 : 132);
      if (type === 'secp256k1') assert.match(res.body.address, /^0x[0-9a-fA-F]{40}$/);
    }
  });

  it('refuses a duplicate name with 409 KEY_NAME_TAKEN', async () => {
    const res = await box.call('POST', '/v1/keys', { type: 'p256', name: 'k-p256' });
    assert.equal(res.status, 409);
    assert.equal(res.body.code, 'KEY_NAME_TAKEN');
    assert.equal(res.body.field, 'name');
  });

  it('finds a key by id and by name', async () => {
    const byName = await box.call('GET', '/v1/keys/k-secp256k1');
    const byId = await box.call('GET', `/v1/keys/${byName.body.id}`);
    assert.deepEqual(byId.body, byName.body);
    assert.equal((await box.call('GET', '/v1/keys/nope')).body.code, 'KEY_NOT_FOUND');
  });

  it('pages through keys with a cursor', async () => {
    for (let i = 0; i < 5; i++) await box.call('POST', '/v1/keys', { type: 'ed25519' });
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const res: { body: { keys: { id: string }[]; nextCursor: string | null } } = await box.call('GET', `/v1/keys?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(res.body.keys.length <= 3);
      for (const k of res.body.keys) seen.add(k.id);
      cursor = res.body.nextCursor;
    } while (cursor !== null);
    assert.equal(seen.size, 9);
  });

  it('serves public keys in every format; aes256 has none', async () => {
    for (const format of ['pem', 'der', 'hex', 'compressed', 'jwk']) {
      const res = await box.call('GET', `/v1/keys/k-p256/public-key?format=${format}`);
      assert.equal(res.status, 200, format);
    }
    const pem = await box.call('GET', '/v1/keys/k-ed25519/public-key');
    assert.match(pem.body.publicKey, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal((await box.call('GET', '/v1/keys/k-ed25519/public-key?format=compressed')).body.code, 'UNSUPPORTED_OPERATION');
    assert.equal((await box.call('GET', '/v1/keys/k-aes256/public-key')).body.code, 'UNSUPPORTED_OPERATION');
  });

  it('aes256 encrypts and decrypts with AAD, and rejects altered ciphertext or wrong AAD', async () => {
    const enc = await box.call('POST', '/v1/keys/k-aes256/encrypt', { plaintext: '0xdeadbeef', aad: '0x0102' });
    assert.equal(enc.status, 200);
    const dec = await box.call('POST', '/v1/keys/k-aes256/decrypt', { ciphertext: enc.body.ciphertext, aad: '0x0102' });
    assert.equal(dec.body.plaintext, '0xdeadbeef');
    const wrongAad = await box.call('POST', '/v1/keys/k-aes256/decrypt', { ciphertext: enc.body.ciphertext, aad: '0x0103' });
    assert.equal(wrongAad.body.code, 'DECRYPTION_FAILED');
    const flipped = enc.body.ciphertext.slice(0, -2) + (enc.body.ciphertext.endsWith('00') ? '01' : '00');
    assert.equal((await box.call('POST', '/v1/keys/k-aes256/decrypt', { ciphertext: flipped, aad: '0x0102' })).body.code, 'DECRYPTION_FAILED');
    const other = await box.call('POST', '/v1/keys', { type: 'aes256' });
    const cross = await box.call('POST', `/v1/keys/${other.body.id}/decrypt`, { ciphertext: enc.body.ciphertext, aad: '0x0102' });
    assert.equal(cross.body.code, 'DECRYPTION_FAILED', 'a ciphertext is bound to its key');
  });

  it('generates data keys that decrypt back to the plaintext data key', async () => {
    const dk = await box.call('POST', '/v1/keys/k-aes256/data-key', { bytes: 32 });
    assert.match(dk.body.plaintext, /^0x[0-9a-f]{64}$/);
    const dec = await box.call('POST', '/v1/keys/k-aes256/decrypt', { ciphertext: dk.body.ciphertext });
    assert.equal(dec.body.plaintext, dk.body.plaintext);
    const without = await box.call('POST', '/v1/keys/k-aes256/data-key', { withoutPlaintext: true });
    assert.equal(without.body.plaintext, undefined);
  });

  it('imports an AES key and reports its standard key check value', async () => {
    // KCV = first 3 bytes of AES-256-ECB(key, 0^128), computed here with OpenSSL independently.
    const { createCipheriv } = await import('node:crypto');
    const key = Buffer.alloc(32, 0x5a);
    const c = createCipheriv('aes-256-ecb', key, null);
    const kcv = '0x' + c.update(Buffer.alloc(16)).subarray(0, 3).toString('hex');
    const res = await box.call('POST', '/v1/keys/import', { type: 'aes256', privateKey: '0x' + key.toString('hex') });
    assert.equal(res.status, 201);
    assert.equal(res.body.kcv, kcv);
    assert.equal(res.body.origin, 'imported');
  });

  it('verify says false for a signature over another digest', async () => {
    const digest = '0x' + 'ab'.repeat(32);
    const sig = await box.call('POST', '/v1/keys/k-secp256k1/sign', { digest });
    assert.equal((await box.call('POST', '/v1/keys/k-secp256k1/verify', { digest, signature: sig.body.signature })).body.valid, true);
    const other = '0x' + 'ac'.repeat(32);
    assert.equal((await box.call('POST', '/v1/keys/k-secp256k1/verify', { digest: other, signature: sig.body.signature })).body.valid, false);
  });
});
