/**
 * hmac256 keys through the REST API on a real SQLite file: creation (no public key, no KCV, not
 * exportable, not rotatable), import of known keys (32-64 bytes) with a Wycheproof case checked
 * end to end, MACs cross-checked with @noble/hashes (a second implementation), constant-time
 * verification, type and state errors, and the keys:mac / keys:verify-mac policy actions.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { fixture } from '../helpers/paths.js';

const hex = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'));

describe('hmac256 keys', () => {
  let box: TestBox;
  before(async () => {
    box = await startTestBox();
  });
  after(() => box.cleanup());

  it('creates an hmac256 key with metadata only: no public key, no KCV, not exportable', async () => {
    const res = await box.call('POST', '/v1/keys', { type: 'hmac256', name: 'mac-a' });
    assert.equal(res.status, 201);
    assert.equal(res.body.type, 'hmac256');
    assert.equal(res.body.exportable, false);
    assert.equal(res.body.publicKey, undefined);
    assert.equal(res.body.kcv, undefined);
    assert.equal(res.body.version, 1);
    const mac = await box.call('POST', '/v1/keys/mac-a/mac', { message: '0x68656c6c6f' });
    assert.equal(mac.status, 200);
    assert.match(mac.body.mac, /^0x[0-9a-f]{64}$/);
    assert.equal(mac.body.keyVersion, 1);
    assert.deepEqual((await box.call('POST', '/v1/keys/mac-a/verify-mac', { message: '0x68656c6c6f', mac: mac.body.mac })).body, { valid: true });
    assert.deepEqual((await box.call('POST', '/v1/keys/mac-a/verify-mac', { message: '0x68656c6c6e', mac: mac.body.mac })).body, { valid: false });
    // Deterministic: the same key and message give the same MAC; another key gives another.
    assert.equal((await box.call('POST', '/v1/keys/mac-a/mac', { message: '0x68656c6c6f' })).body.mac, mac.body.mac);
    const other = await box.call('POST', '/v1/keys', { type: 'hmac256' });
    assert.notEqual((await box.call('POST', `/v1/keys/${other.body.id}/mac`, { message: '0x68656c6c6f' })).body.mac, mac.body.mac);
    assert.deepEqual((await box.call('POST', `/v1/keys/${other.body.id}/verify-mac`, { message: '0x68656c6c6f', mac: mac.body.mac })).body, { valid: false });
  });

  it('an imported key MACs exactly as @noble/hashes computes, for 32 to 64 byte keys and empty to long messages', async () => {
    for (const keyBytes of [32, 48, 64]) {
      const secret = new Uint8Array(keyBytes).map((_, i) => (i * 7 + keyBytes) & 0xff);
      const imported = await box.call('POST', '/v1/keys/import', { type: 'hmac256', privateKey: hex(secret) });
      assert.equal(imported.status, 201, JSON.stringify(imported.body));
      assert.equal(imported.body.origin, 'imported');
      for (const message of [new Uint8Array(0), new TextEncoder().encode('abc'), new Uint8Array(5000).fill(0x5c)]) {
        const expected = hex(hmac(sha256, secret, message));
        const res = await box.call('POST', `/v1/keys/${imported.body.id}/mac`, { message: hex(message) });
        assert.equal(res.body.mac, expected, `${keyBytes}-byte key, ${message.length}-byte message`);
        assert.equal((await box.call('POST', `/v1/keys/${imported.body.id}/verify-mac`, { message: hex(message), mac: expected })).body.valid, true);
      }
    }
  });

  it('Wycheproof hmac_sha256_test.json tcId 20 and 28 through import, mac and verify-mac', async () => {
    const file = JSON.parse(readFileSync(fixture('vectors', 'wycheproof', 'hmac_sha256_test.json'), 'utf8')) as { testGroups: { keySize: number; tagSize: number; tests: { tcId: number; key: string; msg: string; tag: string; result: string }[] }[] };
    const cases = file.testGroups.filter((g) => g.keySize === 256 && g.tagSize === 256).flatMap((g) => g.tests);
    const valid = cases.find((c) => c.tcId === 20)!;
    const modified = cases.find((c) => c.tcId === 28)!;
    assert.equal(valid.result, 'valid');
    assert.equal(modified.result, 'invalid');
    for (const c of [valid, modified]) {
      const k = await box.call('POST', '/v1/keys/import', { type: 'hmac256', privateKey: `0x${c.key}` });
      assert.equal(k.status, 201);
      const verified = await box.call('POST', `/v1/keys/${k.body.id}/verify-mac`, { message: `0x${c.msg}`, mac: `0x${c.tag}` });
      assert.equal(verified.body.valid, c.result === 'valid', `tcId ${c.tcId}`);
      if (c.result === 'valid') assert.equal((await box.call('POST', `/v1/keys/${k.body.id}/mac`, { message: `0x${c.msg}` })).body.mac, `0x${c.tag}`, `tcId ${c.tcId}`);
    }
  });

  it('bad input names the field: key sizes, MAC length, message hex', async () => {
    for (const n of [16, 31, 65]) {
      const res = await box.call('POST', '/v1/keys/import', { type: 'hmac256', privateKey: hex(new Uint8Array(n).fill(1)) });
      assert.equal(res.status, 400, `${n}-byte key`);
      assert.equal(res.body.field, 'privateKey');
    }
    assert.equal((await box.call('POST', '/v1/keys/import', { type: 'hmac256', pem: '-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n' })).body.field, 'pem');
    const short = await box.call('POST', '/v1/keys/mac-a/verify-mac', { message: '0x00', mac: '0x' + '00'.repeat(16) });
    assert.equal(short.status, 400);
    assert.equal(short.body.field, 'mac');
    const odd = await box.call('POST', '/v1/keys/mac-a/mac', { message: '0x123' });
    assert.equal(odd.status, 400);
    assert.equal((await box.call('POST', '/v1/keys/mac-a/mac', {})).status, 400);
  });

  it('type rules: MAC only with hmac256 keys; hmac256 keys neither sign, encrypt, rotate nor export', async () => {
    const aes = await box.call('POST', '/v1/keys', { type: 'aes256' });
    const ec = await box.call('POST', '/v1/keys', { type: 'p256' });
    for (const id of [aes.body.id, ec.body.id]) {
      const res = await box.call('POST', `/v1/keys/${id}/mac`, { message: '0x00' });
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'UNSUPPORTED_OPERATION');
      assert.equal((await box.call('POST', `/v1/keys/${id}/verify-mac`, { message: '0x00', mac: '0x' + '00'.repeat(32) })).body.code, 'UNSUPPORTED_OPERATION');
    }
    assert.equal((await box.call('POST', '/v1/keys/mac-a/sign', { digest: '0x' + '11'.repeat(32) })).body.code, 'UNSUPPORTED_OPERATION');
    assert.equal((await box.call('POST', '/v1/keys/mac-a/encrypt', { plaintext: '0x00' })).body.code, 'UNSUPPORTED_OPERATION');
    assert.equal((await box.call('POST', '/v1/keys/mac-a/rotate')).body.code, 'UNSUPPORTED_OPERATION');
    assert.equal((await box.call('POST', '/v1/keys', { type: 'hmac256', rotationPeriodDays: 30 })).body.code, 'UNSUPPORTED_OPERATION');
    assert.equal((await box.call('GET', '/v1/keys/mac-a/public-key')).status, 400);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const wrappingKey = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const exp = await box.call('POST', '/v1/keys/mac-a/export', { wrappingKey, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
    assert.equal(exp.body.code, 'KEY_NOT_EXPORTABLE');
  });

  it('an exportable hmac256 key exports wrapped (RSA-OAEP + RFC 5649) and imports wrapped; the unwrapped key MACs as the server does', async () => {
    const AIV = Buffer.from('a65959a6', 'hex');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const k = await box.call('POST', '/v1/keys', { type: 'hmac256', exportable: true });
    assert.equal(k.body.exportable, true);
    const exp = await box.call('POST', `/v1/keys/${k.body.id}/export`, { wrappingKey: rsa.publicKey.export({ type: 'spki', format: 'pem' }), algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
    assert.equal(exp.status, 200, JSON.stringify(exp.body));
    const blob = Buffer.from(bytes(exp.body.wrappedKey));
    const aesKey = privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, blob.subarray(0, 256));
    const d = createDecipheriv('id-aes256-wrap-pad', aesKey, AIV);
    const material = new Uint8Array(Buffer.concat([d.update(blob.subarray(256)), d.final()]));
    assert.equal(material.length, 32);
    const message = new TextEncoder().encode('exported');
    assert.equal((await box.call('POST', `/v1/keys/${k.body.id}/mac`, { message: hex(message) })).body.mac, hex(hmac(sha256, material, message)));

    // A 64-byte key wrapped by the caller's own tooling imports through import-wrapped.
    const secret = randomBytes(64);
    const wrappingKey = (await box.call('GET', '/v1/sys/wrapping-key')).body.publicKey as string;
    const ephemeral = randomBytes(32);
    const c = createCipheriv('id-aes256-wrap-pad', ephemeral, AIV);
    const wrappedKey = '0x' + Buffer.concat([publicEncrypt({ key: wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ephemeral), c.update(secret), c.final()]).toString('hex');
    const imported = await box.call('POST', '/v1/keys/import-wrapped', { type: 'hmac256', wrappedKey });
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.equal((await box.call('POST', `/v1/keys/${imported.body.id}/mac`, { message: hex(message) })).body.mac, hex(hmac(sha256, secret, message)));
  });

  it('a disabled key neither computes nor verifies MACs', async () => {
    const k = await box.call('POST', '/v1/keys', { type: 'hmac256' });
    const mac = (await box.call('POST', `/v1/keys/${k.body.id}/mac`, { message: '0x01' })).body.mac;
    assert.equal((await box.call('POST', `/v1/keys/${k.body.id}/disable`)).status, 200);
    assert.equal((await box.call('POST', `/v1/keys/${k.body.id}/mac`, { message: '0x01' })).body.code, 'KEY_DISABLED');
    assert.equal((await box.call('POST', `/v1/keys/${k.body.id}/verify-mac`, { message: '0x01', mac })).body.code, 'KEY_DISABLED');
  });

  it('keys:mac and keys:verify-mac are separate policy actions', async () => {
    const k = await box.call('POST', '/v1/keys', { type: 'hmac256', name: 'mac-policy' });
    assert.equal((await box.call('PUT', '/v1/policies/mac-only', { statements: [{ effect: 'allow', actions: ['keys:mac'], resources: ['key:name/mac-policy'] }] })).status, 200);
    assert.equal((await box.call('PUT', '/v1/policies/verify-only', { statements: [{ effect: 'allow', actions: ['keys:verify-mac'], resources: ['key:name/mac-policy'] }] })).status, 200);
    const macOnly = (await box.call('POST', '/v1/tokens', { policies: ['mac-only'], ttl: 600 })).body.token as string;
    const verifyOnly = (await box.call('POST', '/v1/tokens', { policies: ['verify-only'], ttl: 600 })).body.token as string;
    const mac = await box.call('POST', `/v1/keys/${k.body.id}/mac`, { message: '0xabcd' }, macOnly);
    assert.equal(mac.status, 200);
    assert.equal((await box.call('POST', `/v1/keys/${k.body.id}/verify-mac`, { message: '0xabcd', mac: mac.body.mac }, macOnly)).status, 403);
    assert.equal((await box.call('POST', `/v1/keys/${k.body.id}/mac`, { message: '0xabcd' }, verifyOnly)).status, 403);
    assert.equal((await box.call('POST', `/v1/keys/${k.body.id}/verify-mac`, { message: '0xabcd', mac: mac.body.mac }, verifyOnly)).body.valid, true);
    // The message is audited only as an HMAC under the audit key, never in the clear.
    const audit = await box.call('GET', '/v1/audit?limit=1000');
    const rows = (audit.body.records as { operation: string; inputs: Record<string, string> | null }[]).filter((r) => r.operation === 'generateMac');
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.inputs?.['message'] !== '0xabcd'));
  });

  it('a MAC made before a restart verifies after it (the sealed key material is durable)', async () => {
    const k = await box.call('POST', '/v1/keys', { type: 'hmac256' });
    const mac = (await box.call('POST', `/v1/keys/${k.body.id}/mac`, { message: '0x0102' })).body.mac as string;
    await box.stop();
    const again = await startTestBox({ dataDir: box.dataDir, bare: true, rootToken: box.rootToken });
    again.shares = box.shares;
    box = again;
    await box.call('POST', '/v1/sys/unseal', { share: box.shares[0] }, null);
    assert.equal((await box.call('POST', `/v1/keys/${k.body.id}/verify-mac`, { message: '0x0102', mac })).body.valid, true);
    assert.deepEqual(bytes(mac).length, 32);
  });
});
