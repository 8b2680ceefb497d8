/**
 * Key export and import without plaintext in transit, through the API (inject) on a real SQLite file:
 * - `exportable` is fixed at create/import and stored (migration 5);
 * - POST /v1/keys/{id}/export wraps each key type to an RSA key made here, and the blob is opened
 *   independently with node:crypto (privateDecrypt OAEP-SHA-256, id-aes256-wrap-pad) and with the
 *   openssl CLI (pkeyutl OAEP-SHA-256, enc -id-aes256-wrap-pad); the material derives the key's public
 *   key (@noble/curves, node:crypto), or for aes256 opens a Strongbox ciphertext;
 * - POST /v1/keys/{id}/export-keystore gives a keystore v3 file that ethers decrypts to the key's
 *   address (and refuses with a wrong passphrase); the passphrase is in no log line, response, audit
 *   record or database file, and the audit record holds its HMAC;
 * - GET /v1/sys/wrapping-key + POST /v1/keys/import-wrapped round trips with material wrapped here by
 *   node:crypto; tampered blobs are 400 DECRYPTION_FAILED naming wrappedKey; invalid material is
 *   400 INVALID_KEY_MATERIAL naming wrappedKey (the same checks as /v1/keys/import);
 * - GET /v1/keys/{id}/wrapped equals the key_versions.sealed_material row (read with better-sqlite3);
 * - the wrapping key survives a restart and is re-wrapped by a keyring rotation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Wallet } from 'ethers';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { migrations } from '../../src/storage/sqlite/migrations.js';
import { sqliteAtVersion } from '../helpers/migrations.js';
import { openSqliteStore, SQLITE_FILE } from '../../src/storage/sqlite/index.js';
import { runLifecycle } from '../../src/service/keys/run-lifecycle.js';

const AIV = Buffer.from('a65959a6', 'hex');
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const bytes = (hex: string) => Buffer.from(hex.replace(/^0x/, ''), 'hex');

/** The test's own RSA key pair: Strongbox wraps to its public half; only this file can unwrap. */
const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 });
const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const RSA_BYTES = 384;

/** Unwraps RSA_AES_KEY_WRAP_SHA_256 with node:crypto only. */
function unwrapWithNode(privateKey: KeyObject, wrappedHex: string, modulusBytes: number): { aesKey: Buffer; material: Buffer } {
  const blob = bytes(wrappedHex);
  const aesKey = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, blob.subarray(0, modulusBytes));
  const d = createDecipheriv('id-aes256-wrap-pad', aesKey, AIV);
  return { aesKey, material: Buffer.concat([d.update(blob.subarray(modulusBytes)), d.final()]) };
}

/** Wraps material to a PEM public key with node:crypto only (what a customer's tooling does). */
function wrapWithNode(publicKeyPem: string, material: Uint8Array): string {
  const aesKey = randomBytes(32);
  const encryptedKey = publicEncrypt({ key: publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, aesKey);
  const c = createCipheriv('id-aes256-wrap-pad', aesKey, AIV);
  return '0x' + Buffer.concat([encryptedKey, c.update(material), c.final()]).toString('hex');
}

function publicKeyOf(type: string, secret: Buffer): string {
  switch (type) {
    case 'secp256k1':
      return '0x' + Buffer.from(secp256k1.getPublicKey(secret, false)).toString('hex');
    case 'p256': {
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(secret);
      return '0x' + ecdh.getPublicKey('hex', 'uncompressed');
    }
    case 'ed25519': {
      const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
      return '0x' + createPublicKey(key).export({ type: 'spki', format: 'der' }).subarray(12).toString('hex');
    }
    default:
      throw new Error(type);
  }
}

/** Opens a Strongbox aes256 ciphertext (envelope v1: 0x01 | version | nonce | ct | tag) with the raw key. */
function openCiphertext(key: Buffer, keyId: string, ciphertextHex: string, aad = Buffer.alloc(0)): Buffer {
  const ct = bytes(ciphertextHex);
  const header = ct.subarray(0, 5);
  const d = createDecipheriv('aes-256-gcm', key, ct.subarray(5, 17));
  d.setAAD(Buffer.concat([header, Buffer.from(`strongbox/data/${keyId}/${aad.toString('hex')}`, 'utf8')]));
  d.setAuthTag(ct.subarray(ct.byteLength - 16));
  return Buffer.concat([d.update(ct.subarray(17, ct.byteLength - 16)), d.final()]);
}

function kcvOf(key: Buffer): string {
  const c = createCipheriv('aes-256-ecb', key, null);
  c.setAutoPadding(false);
  return '0x' + c.update(Buffer.alloc(16)).subarray(0, 3).toString('hex');
}

describe('key export and import without plaintext in transit', () => {
  let box: TestBox;
  let log = '';
  const responses: string[] = [];
  let tmp: string;
  const PASSPHRASE = `pass-${randomBytes(12).toString('hex')}-phrase`;

  /** box.call, remembering every response body and header for the leak scan */
  async function call(method: string, url: string, body?: unknown, token?: string | null) {
    const res = await box.call(method, url, body, token);
    responses.push(JSON.stringify(res.headers) + JSON.stringify(res.body));
    return res;
  }
  function expectProblem(res: { status: number; body: any }, status: number, code: string, field?: string) {
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.code, code, JSON.stringify(res.body));
    if (field !== undefined) {
      assert.equal(res.body.field, field, JSON.stringify(res.body));
      assert.ok(res.body.detail.includes(field), `detail names ${field}: ${res.body.detail}`);
    }
  }
  async function create(body: Record<string, unknown>) {
    const res = await call('POST', '/v1/keys', body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }
  async function exportTo(key: string, wrappingKey = rsaPublicPem) {
    return call('POST', `/v1/keys/${key}/export`, { wrappingKey, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
  }

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'strongbox-export-'));
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => (log += d.toString()));
    box = await startTestBox({ logStream: stream });
  });
  after(async () => {
    await box.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  describe('the exportable flag', () => {
    it('defaults to false, is set by create and import, and cannot be changed afterwards', async () => {
      assert.equal((await create({ type: 'p256' })).exportable, false);
      const yes = await create({ type: 'p256', exportable: true });
      assert.equal(yes.exportable, true);
      assert.equal((await call('GET', `/v1/keys/${yes.id}`)).body.exportable, true);
      const imported = await call('POST', '/v1/keys/import', { type: 'secp256k1', privateKey: '0x' + '11'.repeat(32), exportable: true });
      assert.equal(imported.status, 201);
      assert.equal(imported.body.exportable, true);
      expectProblem(await call('PATCH', `/v1/keys/${yes.id}`, { exportable: false }), 400, 'UNKNOWN_FIELD', 'exportable');
      expectProblem(await call('POST', '/v1/keys', { type: 'p256', exportable: 'yes' }), 400, 'INVALID_ARGUMENT', 'exportable');
      const listed = (await call('GET', '/v1/keys')).body.keys as { id: string; exportable: boolean }[];
      assert.equal(listed.find((k) => k.id === yes.id)?.exportable, true);
    });

    it('migration 5 adds the column: keys stored before it read as not exportable', async () => {
      const dir = mkdtempSync(join(tmp, 'mig-'));
      const db = sqliteAtVersion(dir, 4);
      const id = '01234567-89ab-4def-8123-456789abcdef';
      db.prepare(`INSERT INTO keys (id, name, type, origin, state, public_key, kcv, current_version, created_at) VALUES (?, 'old', 'p256', 'generated', 'enabled', x'04', NULL, 1, '2024-01-01T00:00:00.000Z')`).run(id);
      db.close();
      const store = openSqliteStore(dir);
      try {
        assert.equal((await store.getKey(id))?.exportable, false);
        // Later migrations may follow; this one must stay number 5.
        assert.equal(migrations.find((m) => m.name === 'key-exportable')?.version, 5);
      } finally {
        await store.close();
      }
    });
  });

  describe('POST /v1/keys/{id}/export', () => {
    for (const type of ['secp256k1', 'p256', 'ed25519', 'aes256'] as const) {
      it(`${type}: the wrapped material opens with node:crypto and with the openssl CLI, and is the key`, async () => {
        const key = await create({ type, exportable: true });
        const res = await exportTo(key.id);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.algorithm, 'RSA_AES_KEY_WRAP_SHA_256');
        assert.equal(res.body.keyVersion, 1);
        assert.match(res.body.wrappedKey, /^0x[0-9a-f]+$/);
        assert.equal(bytes(res.body.wrappedKey).byteLength, RSA_BYTES + 40, 'RSA-3072 ciphertext + KWP of 32 bytes');

        const { aesKey, material } = unwrapWithNode(rsa.privateKey, res.body.wrappedKey, RSA_BYTES);
        assert.equal(material.byteLength, 32, 'the raw 32-byte scalar, seed or key');

        // openssl: RSA-OAEP(SHA-256, MGF1-SHA-256) for the first part, RFC 5649 for the rest
        const dir = mkdtempSync(join(tmp, `${type}-`));
        const blob = bytes(res.body.wrappedKey);
        writeFileSync(join(dir, 'rsa.pem'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
        writeFileSync(join(dir, 'key.enc'), blob.subarray(0, RSA_BYTES));
        writeFileSync(join(dir, 'material.wrap'), blob.subarray(RSA_BYTES));
        const opensslAesKey = execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', join(dir, 'rsa.pem'), '-in', join(dir, 'key.enc'), '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256']);
        assert.deepEqual(opensslAesKey, aesKey, 'openssl pkeyutl recovers the same AES key');
        const opensslMaterial = execFileSync('openssl', ['enc', '-d', '-id-aes256-wrap-pad', '-K', opensslAesKey.toString('hex'), '-iv', 'A65959A6', '-in', join(dir, 'material.wrap')]);
        assert.deepEqual(opensslMaterial, material, 'openssl enc -id-aes256-wrap-pad recovers the same material');

        if (type === 'aes256') {
          assert.equal(kcvOf(material), key.kcv);
          const enc = await call('POST', `/v1/keys/${key.id}/encrypt`, { plaintext: '0x' + Buffer.from('exported key opens this').toString('hex') });
          assert.equal(openCiphertext(material, key.id, enc.body.ciphertext).toString(), 'exported key opens this');
        } else {
          assert.equal(publicKeyOf(type, material), key.publicKey, 'the unwrapped secret derives the key\'s public key');
        }
        if (type === 'secp256k1') assert.equal(new Wallet('0x' + material.toString('hex')).address, key.address);
      });
    }

    it('two exports of one key use fresh AES keys (different blobs, same material)', async () => {
      const key = await create({ type: 'ed25519', exportable: true });
      const a = (await exportTo(key.id)).body.wrappedKey;
      const b = (await exportTo(key.id)).body.wrappedKey;
      assert.notEqual(a, b);
      assert.deepEqual(unwrapWithNode(rsa.privateKey, a, RSA_BYTES).material, unwrapWithNode(rsa.privateKey, b, RSA_BYTES).material);
    });

    it('a rotated aes256 key exports its current version', async () => {
      const key = await create({ type: 'aes256', exportable: true });
      assert.equal((await call('POST', `/v1/keys/${key.id}/rotate`)).status, 200);
      const res = await exportTo(key.id);
      assert.equal(res.body.keyVersion, 2);
      const material = unwrapWithNode(rsa.privateKey, res.body.wrappedKey, RSA_BYTES).material;
      const enc = await call('POST', `/v1/keys/${key.id}/encrypt`, { plaintext: '0x0102' });
      assert.equal(enc.body.keyVersion, 2);
      assert.deepEqual(openCiphertext(material, key.id, enc.body.ciphertext), Buffer.from([1, 2]));
    });

    it('works with 2048- and 4096-bit SPKI and PKCS#1 wrapping keys', async () => {
      const key = await create({ type: 'secp256k1', exportable: true });
      for (const bits of [2048, 4096]) {
        const pair = generateKeyPairSync('rsa', { modulusLength: bits });
        for (const pem of [pair.publicKey.export({ type: 'spki', format: 'pem' }) as string, pair.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string]) {
          const res = await exportTo(key.id, pem);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.equal(publicKeyOf('secp256k1', unwrapWithNode(pair.privateKey, res.body.wrappedKey, bits / 8).material), key.publicKey);
        }
      }
    });

    it('a key not created exportable: 409 KEY_NOT_EXPORTABLE (export and keystore), for generated and imported keys', async () => {
      const generated = await create({ type: 'secp256k1' });
      const imported = (await call('POST', '/v1/keys/import', { type: 'secp256k1', privateKey: '0x' + '22'.repeat(32) })).body;
      for (const key of [generated, imported]) {
        const res = await exportTo(key.id);
        expectProblem(res, 409, 'KEY_NOT_EXPORTABLE');
        assert.equal(res.body.status, 409);
        expectProblem(await call('POST', `/v1/keys/${key.id}/export-keystore`, { passphrase: PASSPHRASE }), 409, 'KEY_NOT_EXPORTABLE');
      }
    });

    it('an exportable key that is not enabled is refused (409 KEY_DISABLED) until enabled again', async () => {
      const key = await create({ type: 'p256', exportable: true });
      assert.equal((await call('POST', `/v1/keys/${key.id}/disable`)).status, 200);
      expectProblem(await exportTo(key.id), 409, 'KEY_DISABLED');
      assert.equal((await call('POST', `/v1/keys/${key.id}/enable`)).status, 200);
      assert.equal((await exportTo(key.id)).status, 200);
      assert.equal((await call('DELETE', `/v1/keys/${key.id}`, { pendingDays: 7 })).status, 200);
      expectProblem(await exportTo(key.id), 409, 'KEY_PENDING_DELETION');
    });

    it('a bad wrapping key: 400 INVALID_ARGUMENT naming wrappingKey', async () => {
      const key = await create({ type: 'p256', exportable: true });
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const big = generateKeyPairSync('rsa', { modulusLength: 4608 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      for (const [label, pem] of [
        ['not a PEM', 'hello'],
        ['a PEM with broken base64 inside', rsaPublicPem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA')],
        ['RSA-1024', small],
        ['RSA-4608', big],
        ['an EC key', ec],
        ['a private key', privatePem],
      ]) {
        const res = await exportTo(key.id, pem);
        expectProblem(res, 400, 'INVALID_ARGUMENT', 'wrappingKey');
        assert.ok(!JSON.stringify(res.body).includes('PRIVATE KEY'), `${label}: nothing echoed`);
      }
      expectProblem(await call('POST', `/v1/keys/${key.id}/export`, { wrappingKey: rsaPublicPem, algorithm: 'RSAES_OAEP_SHA_1' }), 400, 'INVALID_ARGUMENT', 'algorithm');
      expectProblem(await call('POST', `/v1/keys/${key.id}/export`, { wrappingKey: rsaPublicPem }), 400, 'INVALID_ARGUMENT', 'algorithm');
      expectProblem(await call('POST', `/v1/keys/${key.id}/export`, { algorithm: 'RSA_AES_KEY_WRAP_SHA_256' }), 400, 'INVALID_ARGUMENT', 'wrappingKey');
    });

    it('needs keys:export: a signer token gets 403; a policy with keys:export (and nothing else) may export', async () => {
      const key = await create({ type: 'secp256k1', exportable: true, name: 'exp-policy' });
      const signer = (await call('POST', '/v1/tokens', { policies: ['signer'] })).body.token as string;
      expectProblem(await call('POST', `/v1/keys/${key.id}/export`, { wrappingKey: rsaPublicPem, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' }, signer), 403, 'PERMISSION_DENIED');
      expectProblem(await call('GET', `/v1/keys/${key.id}/wrapped`, undefined, signer), 403, 'PERMISSION_DENIED');
      assert.equal((await call('PUT', '/v1/policies/exporter', { statements: [{ effect: 'allow', actions: ['keys:export'], resources: ['key:name/exp-*'] }] })).status, 200);
      const exporter = (await call('POST', '/v1/tokens', { policies: ['exporter'] })).body.token as string;
      assert.equal((await call('POST', '/v1/keys/exp-policy/export', { wrappingKey: rsaPublicPem, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' }, exporter)).status, 200);
      expectProblem(await call('GET', '/v1/keys/exp-policy/wrapped', undefined, exporter), 403, 'PERMISSION_DENIED');
    });
  });

  describe('POST /v1/keys/{id}/export-keystore', () => {
    let key: { id: string; address: string };
    let keystore: any;

    before(async () => {
      key = await create({ type: 'secp256k1', exportable: true, name: 'keystore-key' });
      const res = await call('POST', '/v1/keys/keystore-key/export-keystore', { passphrase: PASSPHRASE });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      keystore = res.body;
    });

    it('is a keystore v3 file: scrypt n=262144 r=8 p=1, aes-128-ctr, lowercase address, UUIDv4 id', () => {
      assert.equal(keystore.version, 3);
      assert.match(keystore.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(keystore.address, key.address.slice(2).toLowerCase());
      assert.equal(keystore.crypto.cipher, 'aes-128-ctr');
      assert.equal(keystore.crypto.kdf, 'scrypt');
      assert.deepEqual({ ...keystore.crypto.kdfparams, salt: 'x' }, { dklen: 32, n: 262144, r: 8, p: 1, salt: 'x' });
      assert.match(keystore.crypto.kdfparams.salt, /^[0-9a-f]{64}$/);
      assert.match(keystore.crypto.cipherparams.iv, /^[0-9a-f]{32}$/);
      assert.match(keystore.crypto.ciphertext, /^[0-9a-f]{64}$/);
      assert.match(keystore.crypto.mac, /^[0-9a-f]{64}$/);
    });

    it('ethers decrypts it to the key\'s address; a wrong passphrase fails', async () => {
      const wallet = await Wallet.fromEncryptedJson(JSON.stringify(keystore), PASSPHRASE);
      assert.equal(wallet.address, key.address);
      await assert.rejects(Wallet.fromEncryptedJson(JSON.stringify(keystore), PASSPHRASE + 'x'), /incorrect password/i);
    });

    it('only secp256k1 keys; the passphrase must be 8-1024 characters', async () => {
      const p256 = await create({ type: 'p256', exportable: true });
      expectProblem(await call('POST', `/v1/keys/${p256.id}/export-keystore`, { passphrase: PASSPHRASE }), 400, 'UNSUPPORTED_OPERATION');
      const short = await call('POST', '/v1/keys/keystore-key/export-keystore', { passphrase: 'short' });
      expectProblem(short, 400, 'INVALID_ARGUMENT', 'passphrase');
      assert.ok(!JSON.stringify(short.body).includes('short"'), 'the passphrase is not echoed');
      expectProblem(await call('POST', '/v1/keys/keystore-key/export-keystore', { passphrase: 'x'.repeat(1025) }), 400, 'INVALID_ARGUMENT', 'passphrase');
      expectProblem(await call('POST', '/v1/keys/keystore-key/export-keystore', {}), 400, 'INVALID_ARGUMENT', 'passphrase');
    });

    it('the audit record holds only the passphrase\'s HMAC; the passphrase is in no log line, response, audit record or database file', async () => {
      const records: any[] = [];
      let afterSeq = 0;
      for (;;) {
        const page = await box.call('GET', `/v1/audit?limit=200&afterSeq=${afterSeq}`);
        assert.equal(page.status, 200);
        records.push(...page.body.records);
        if (page.body.nextAfterSeq === null) break;
        afterSeq = page.body.nextAfterSeq;
      }
      const exports = records.filter((r) => r.operation === 'exportKeystore' && r.status === 200);
      assert.ok(exports.length >= 1);
      // /v1/audit/hash answers for hex fields only; the installation's audit HMAC key computes it here.
      const hmac = box.box.ctx.auditKeys()!.hmac('passphrase', PASSPHRASE);
      assert.match(hmac, /^[0-9a-f]{64}$/);
      assert.deepEqual(exports[0].inputs, { passphrase: hmac }, 'the HMAC and nothing else');

      assert.ok(log.length > 0 && log.includes('"request"'), 'the log was captured');
      const forms = [PASSPHRASE, Buffer.from(PASSPHRASE).toString('hex'), Buffer.from(PASSPHRASE).toString('base64')];
      for (const f of forms) {
        assert.ok(!log.includes(f), 'log');
        for (const r of responses) assert.ok(!r.includes(f), `response ${r.slice(0, 80)}`);
        for (const r of records) assert.ok(!JSON.stringify(r).includes(f), 'audit record');
      }
      const files = [SQLITE_FILE, `${SQLITE_FILE}-wal`].filter((f) => existsSync(join(box.dataDir, f)));
      const all = Buffer.concat(files.map((f) => readFileSync(join(box.dataDir, f))));
      for (const f of forms) assert.equal(all.indexOf(Buffer.from(f)), -1, 'database files');
    });
  });

  describe('GET /v1/sys/wrapping-key and POST /v1/keys/import-wrapped', () => {
    let wrappingPem: string;

    before(async () => {
      // Two concurrent first calls agree on one key pair.
      const [a, b] = await Promise.all([call('GET', '/v1/sys/wrapping-key'), call('GET', '/v1/sys/wrapping-key')]);
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.equal(a.body.publicKey, b.body.publicKey);
      wrappingPem = a.body.publicKey;
    });

    it('publishes one RSA-4096 public key (SPKI PEM), the same on every call', async () => {
      const res = await call('GET', '/v1/sys/wrapping-key');
      assert.deepEqual(res.body, { algorithm: 'RSA_AES_KEY_WRAP_SHA_256', publicKey: wrappingPem });
      const key = createPublicKey(wrappingPem);
      assert.equal(key.asymmetricKeyType, 'rsa');
      assert.equal(key.asymmetricKeyDetails?.modulusLength, 4096);
      assert.match(wrappingPem, /^-----BEGIN PUBLIC KEY-----\n/);
    });

    it('round trip for every type: material wrapped here imports to the expected public key, address or KCV', async () => {
      const material: Record<string, Buffer> = {
        secp256k1: Buffer.from('1f3a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a', 'hex'),
        p256: Buffer.from('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721', 'hex'),
        ed25519: Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'),
        aes256: randomBytes(32),
      };
      for (const [type, secret] of Object.entries(material)) {
        const res = await call('POST', '/v1/keys/import-wrapped', { type, wrappedKey: wrapWithNode(wrappingPem, secret), name: `wrapped-${type}`, description: 'came wrapped', tags: { via: 'import-wrapped' } });
        assert.equal(res.status, 201, `${type}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.origin, 'imported');
        assert.equal(res.body.exportable, false);
        assert.equal(res.body.description, 'came wrapped');
        assert.deepEqual(res.body.tags, { via: 'import-wrapped' });
        if (type === 'aes256') assert.equal(res.body.kcv, kcvOf(secret));
        else assert.equal(res.body.publicKey, publicKeyOf(type, secret));
      }
      // RFC 8032 test 1: the seed above has this public key.
      assert.equal((await call('GET', '/v1/keys/wrapped-ed25519')).body.publicKey, '0xd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
      assert.equal((await call('GET', '/v1/keys/wrapped-secp256k1')).body.address, new Wallet('0x' + material['secp256k1']!.toString('hex')).address);
      const sig = await call('POST', '/v1/keys/wrapped-secp256k1/sign', { digest: '0x' + 'ab'.repeat(32) });
      assert.equal(sig.status, 200, 'the imported key signs');
      // The audit record of an import holds the blob's HMAC, which an auditor can match with /v1/audit/hash.
      const blob = wrapWithNode(wrappingPem, randomBytes(32));
      const imported = await call('POST', '/v1/keys/import-wrapped', { type: 'aes256', wrappedKey: blob });
      assert.equal(imported.status, 201);
      const hash = await call('POST', '/v1/audit/hash', { field: 'wrappedKey', value: blob });
      assert.equal(hash.status, 200, JSON.stringify(hash.body));
      const rec = (await call('GET', '/v1/audit?limit=1000&action=keys:create')).body.records.filter((r: any) => r.operation === 'importWrappedKey' && r.status === 201).at(-1);
      assert.deepEqual(rec.inputs, { wrappedKey: hash.body.hmac });
    });

    it('an exportable wrapped import exports back to the same material', async () => {
      const secret = randomBytes(32);
      secret[0] = 0x01; // below the secp256k1 order
      const res = await call('POST', '/v1/keys/import-wrapped', { type: 'secp256k1', wrappedKey: wrapWithNode(wrappingPem, secret), exportable: true });
      assert.equal(res.status, 201);
      assert.equal(res.body.exportable, true);
      const out = await exportTo(res.body.id);
      assert.deepEqual(unwrapWithNode(rsa.privateKey, out.body.wrappedKey, RSA_BYTES).material, secret);
    });

    it('a tampered or foreign blob: 400 DECRYPTION_FAILED naming wrappedKey, nothing stored', async () => {
      const before = (await call('GET', '/v1/keys?limit=1000')).body.keys.length;
      const good = bytes(wrapWithNode(wrappingPem, randomBytes(32)));
      for (const i of [0, 300, 511, 512, good.byteLength - 1]) {
        const t = Buffer.from(good);
        t[i]! ^= 0x01;
        expectProblem(await call('POST', '/v1/keys/import-wrapped', { type: 'aes256', wrappedKey: '0x' + t.toString('hex') }), 400, 'DECRYPTION_FAILED', 'wrappedKey');
      }
      expectProblem(await call('POST', '/v1/keys/import-wrapped', { type: 'aes256', wrappedKey: '0x' + good.subarray(0, 530).toString('hex') }), 400, 'DECRYPTION_FAILED', 'wrappedKey');
      expectProblem(await call('POST', '/v1/keys/import-wrapped', { type: 'aes256', wrappedKey: wrapWithNode(rsaPublicPem, randomBytes(32)) }), 400, 'DECRYPTION_FAILED', 'wrappedKey');
      assert.equal((await call('GET', '/v1/keys?limit=1000')).body.keys.length, before);
    });

    it('the same checks as /v1/keys/import: invalid material is 400 INVALID_KEY_MATERIAL naming wrappedKey', async () => {
      const N = Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'hex');
      const P256_N = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
      for (const [type, secret] of [
        ['secp256k1', Buffer.alloc(32)],
        ['secp256k1', N],
        ['p256', P256_N],
        ['p256', Buffer.alloc(32, 0xff)],
        ['secp256k1', Buffer.alloc(31, 1)],
        ['ed25519', Buffer.alloc(33, 1)],
        ['aes256', Buffer.alloc(16, 1)],
      ] as const) {
        expectProblem(await call('POST', '/v1/keys/import-wrapped', { type, wrappedKey: wrapWithNode(wrappingPem, secret) }), 400, 'INVALID_KEY_MATERIAL', 'wrappedKey');
      }
      const ok = wrapWithNode(wrappingPem, randomBytes(32));
      expectProblem(await call('POST', '/v1/keys/import-wrapped', { type: 'aes256', wrappedKey: ok, name: 'wrapped-aes256' }), 409, 'KEY_NAME_TAKEN', 'name');
      expectProblem(await call('POST', '/v1/keys/import-wrapped', { type: 'p256', wrappedKey: ok, rotationPeriodDays: 30 }), 400, 'UNSUPPORTED_OPERATION', 'rotationPeriodDays');
      expectProblem(await call('POST', '/v1/keys/import-wrapped', { type: 'rsa', wrappedKey: ok }), 400, 'INVALID_ARGUMENT', 'type');
      expectProblem(await call('POST', '/v1/keys/import-wrapped', { type: 'p256', wrappedKey: 'abc' }), 400, 'INVALID_ARGUMENT', 'wrappedKey');
      expectProblem(await call('POST', '/v1/keys/import-wrapped', { type: 'p256', wrappedKey: '0x' }), 400, 'INVALID_ARGUMENT', 'wrappedKey');
      expectProblem(await call('POST', '/v1/keys/import-wrapped', { type: 'p256', wrappedKey: '0x' + '00'.repeat(2000) }), 400, 'INVALID_ARGUMENT', 'wrappedKey');
      expectProblem(await call('POST', '/v1/keys/import-wrapped', { type: 'p256' }), 400, 'INVALID_ARGUMENT', 'wrappedKey');
    });
  });

  describe('GET /v1/keys/{id}/wrapped', () => {
    function storedMaterial(keyId: string, version: number): Buffer {
      const db = new Database(join(box.dataDir, SQLITE_FILE), { readonly: true });
      try {
        return (db.prepare('SELECT sealed_material FROM key_versions WHERE key_id = ? AND version = ?').get(keyId, version) as { sealed_material: Buffer }).sealed_material;
      } finally {
        db.close();
      }
    }

    it('returns the key_versions.sealed_material row of the current version, exportable or not', async () => {
      for (const body of [{ type: 'secp256k1' }, { type: 'ed25519', exportable: true }]) {
        const key = await create(body);
        const res = await call('GET', `/v1/keys/${key.id}/wrapped`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.format, 'strongbox-envelope-v1');
        assert.equal(res.body.version, 1);
        assert.deepEqual(bytes(res.body.sealedMaterial), storedMaterial(key.id, 1));
        assert.equal(bytes(res.body.sealedMaterial)[0], 0x01, 'envelope v1');
      }
      const aes = await create({ type: 'aes256' });
      await call('POST', `/v1/keys/${aes.id}/rotate`);
      const res = await call('GET', `/v1/keys/${aes.id}/wrapped`);
      assert.equal(res.body.version, 2);
      assert.deepEqual(bytes(res.body.sealedMaterial), storedMaterial(aes.id, 2));
    });

    it('a disabled key still has its blob; a destroyed key has none (409 KEY_DESTROYED)', async () => {
      const key = await create({ type: 'p256' });
      await call('POST', `/v1/keys/${key.id}/disable`);
      assert.equal((await call('GET', `/v1/keys/${key.id}/wrapped`)).status, 200);
      box.box.ctx.settings.minPendingDays = 0;
      assert.equal((await call('DELETE', `/v1/keys/${key.id}`, { pendingDays: 0 })).status, 200);
      await runLifecycle(box.box.ctx);
      expectProblem(await call('GET', `/v1/keys/${key.id}/wrapped`), 409, 'KEY_DESTROYED');
    });
  });
});

describe('the wrapping key across restarts and keyring rotation', () => {
  it('is the same after a restart; a keyring rotation re-wraps it to the new term; imports still work', async () => {
    const first = await startTestBox();
    const { dataDir, rootToken, shares } = first;
    let box: TestBox | undefined;
    try {
      const pem = (await first.call('GET', '/v1/sys/wrapping-key')).body.publicKey as string;
      await first.stop();
      box = await startTestBox({ dataDir, bare: true, rootToken });
      const sealed = await box.call('GET', '/v1/sys/wrapping-key');
      assert.equal(sealed.status, 503, 'sealed: nothing is served');
      assert.equal(sealed.body.code, 'SEALED');
      assert.equal((await box.call('POST', '/v1/sys/unseal', { share: shares[0] }, null)).status, 200);
      assert.equal((await box.call('GET', '/v1/sys/wrapping-key')).body.publicKey, pem, 'the same key pair after a restart');

      const rotated = await box.call('POST', '/v1/sys/rotate');
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      for (let i = 0; i < 200 && (await box.call('GET', '/v1/sys/rotate')).body.running; i++) await sleep(25);
      const db = new Database(join(dataDir, SQLITE_FILE), { readonly: true });
      try {
        const row = db.prepare("SELECT value FROM sys_values WHERE name = 'sealed_wrapping_key'").pluck().get() as Buffer;
        assert.equal(row.readUInt32BE(1), rotated.body.activeTerm, 'the sealed private key moved to the new keyring term');
      } finally {
        db.close();
      }
      assert.equal((await box.call('GET', '/v1/sys/wrapping-key')).body.publicKey, pem);
      const secret = Buffer.from('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721', 'hex');
      const res = await box.call('POST', '/v1/keys/import-wrapped', { type: 'p256', wrappedKey: wrapWithNode(pem, secret) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.publicKey, publicKeyOf('p256', secret));
    } finally {
      await box?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
