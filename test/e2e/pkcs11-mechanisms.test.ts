/**
 * The PKCS#11 mechanisms and functions pkcs11-tool and the other real clients do not exercise
 * (docs/pkcs11.md, "What is tested"), against the built server's --pkcs11-listen-unix socket:
 *
 * - through pkcs11js loading Debian's unmodified p11-kit-client.so (the preferred independent
 *   client): C_GenerateKey (AES, generic secret), C_DestroyObject, CKM_SHA256_HMAC sign/verify,
 *   C_Digest*, multi-part C_SignUpdate/Final and C_VerifyUpdate/Final, CKM_RSA_PKCS_PSS,
 *   CKM_RSA_PKCS_OAEP encrypt and decrypt (single- and multi-part);
 * - through test/helpers/p11-rpc-client.ts (the protocol spoken directly, for the mechanisms the 0.24
 *   client refuses to forward): CKM_ECDSA_SHA256 (P-256, secp256k1), CKM_EDDSA (Ed25519),
 *   CKM_AES_GCM (single- and multi-part encrypt and decrypt), CKM_SHA256_RSA_PKCS_PSS.
 *
 * Every signature, MAC and ciphertext is checked by node:crypto: against the public key the REST API
 * exports, or against key material the test made itself and imported through REST (HMAC, AES, RSA),
 * so the server never grades its own output.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHash, createHmac, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, verify, constants, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { api, spawnServer, type SpawnedServer } from '../helpers/server.js';
import { CALL, P11RpcClient, RpcError } from '../helpers/p11-rpc-client.js';

const MODULE = '/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so';
const ROOT = 'p11-mech-root-token-0123456789ab';

// PKCS#11 v3.0 numbers for the mechanisms the RPC client sends (pkcs11t.h).
const CKM_ECDSA_SHA256 = 0x1044;
const CKM_EDDSA = 0x1057;
const CKM_AES_GCM = 0x1087;
const CKM_SHA256_RSA_PKCS_PSS = 0x43;
const CKM_SHA256 = 0x250;
const CKG_MGF1_SHA256 = 2;
const CKR_SIGNATURE_INVALID = 0xc0;
const CKR_ENCRYPTED_DATA_INVALID = 0x40;
const CKA_CLASS = 0x0;
const CKA_LABEL = 0x3;
const CKO_PRIVATE_KEY = 3;
const CKO_SECRET_KEY = 4;

/** Strongbox's aes256 ciphertext (docs/api.md): 0x01 | u32 key version | 12-byte nonce | ct | 16-byte tag; AAD = header || "strongbox/data/<key id>/<aad hex>". */
function openStrongboxCiphertext(key: Uint8Array, keyId: string, ct: Uint8Array): Buffer {
  const b = Buffer.from(ct);
  const header = b.subarray(0, 5);
  const d = createDecipheriv('aes-256-gcm', key, b.subarray(5, 17));
  d.setAAD(Buffer.concat([header, Buffer.from(`strongbox/data/${keyId}/`)]));
  d.setAuthTag(b.subarray(b.length - 16));
  return Buffer.concat([d.update(b.subarray(17, b.length - 16)), d.final()]);
}

function sealStrongboxCiphertext(key: Uint8Array, keyId: string, version: number, plaintext: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header[0] = 1;
  header.writeUInt32BE(version, 1);
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.concat([header, Buffer.from(`strongbox/data/${keyId}/`)]));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([header, nonce, body, c.getAuthTag()]);
}

/** The CK_RSA_PKCS_PSS_PARAMS C structure on x86-64: three little-endian CK_ULONGs. */
function pssParamBytes(hashAlg: number, mgf: number, sLen: number): Buffer {
  const b = Buffer.alloc(24);
  b.writeBigUInt64LE(BigInt(hashAlg), 0);
  b.writeBigUInt64LE(BigInt(mgf), 8);
  b.writeBigUInt64LE(BigInt(sLen), 16);
  return b;
}

const rvOf = async (p: Promise<unknown>): Promise<number> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof RpcError) return err.rv;
    throw err;
  }
  return 0;
};

describe('PKCS#11 mechanisms: pkcs11js through p11-kit-client.so, and the RPC protocol spoken directly', { timeout: 300_000 }, () => {
  let dir: string;
  let sb: SpawnedServer;
  let sock: string;
  let p11: pkcs11js.PKCS11;
  let session: Buffer;
  let rpc: P11RpcClient;
  let rs: bigint;
  const aesKey = randomBytes(32);
  const hmacKey = randomBytes(32);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ids = new Map<string, string>();
  const pems = new Map<string, KeyObject>();

  /** The pkcs11js handle of a key's object of one class, found by label. */
  const handleOf = (label: string, cls: number): Buffer => {
    p11.C_FindObjectsInit(session, [
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_CLASS, value: cls },
    ]);
    const found = p11.C_FindObjects(session, 10);
    p11.C_FindObjectsFinal(session);
    assert.equal(found.length, 1, `one ${label} object of class ${cls}`);
    return found[0]!;
  };
  const rpcHandleOf = async (label: string, cls: number): Promise<bigint> => {
    const found = await rpc.find(rs, [
      { type: CKA_LABEL, bytes: Buffer.from(label) },
      { type: CKA_CLASS, ulong: BigInt(cls) },
    ]);
    assert.equal(found.length, 1, `one ${label} object of class ${cls}`);
    return found[0]!;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-p11m-'));
    sock = join(dir, 'p11.sock');
    sb = await spawnServer(['--dev', '--dev-root-token', ROOT, '--pkcs11-listen-unix', sock, '--log-level', 'warn']);
    for (let i = 0; i < 200 && !sb.stdout().includes('pkcs11 (p11-kit) on unix:'); i++) await new Promise((r) => setTimeout(r, 50));
    for (const [name, type] of [
      ['m-p256', 'p256'],
      ['m-k1', 'secp256k1'],
      ['m-ed', 'ed25519'],
    ] as const) {
      const r = await api(sb.addr, 'POST', '/v1/keys', ROOT, { type, name });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids.set(name, r.body.id as string);
    }
    const imports: [string, object][] = [
      ['m-aes', { type: 'aes256', privateKey: `0x${aesKey.toString('hex')}` }],
      ['m-hmac', { type: 'hmac256', privateKey: `0x${hmacKey.toString('hex')}` }],
      ['m-rsa', { type: 'rsa2048', pem: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) }],
    ];
    for (const [name, body] of imports) {
      const r = await api(sb.addr, 'POST', '/v1/keys/import', ROOT, { name, ...body });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids.set(name, r.body.id as string);
    }
    for (const name of ['m-p256', 'm-k1', 'm-ed', 'm-rsa']) {
      const r = await api(sb.addr, 'GET', `/v1/keys/${name}/public-key?format=pem`, ROOT);
      assert.equal(r.status, 200);
      pems.set(name, createPublicKey(r.body.publicKey as string));
    }
    // The REST public key of the imported RSA key is the test's own.
    assert.equal(pems.get('m-rsa')!.export({ type: 'spki', format: 'pem' }), rsa.publicKey.export({ type: 'spki', format: 'pem' }));

    // p11-kit-client.so reads the address when C_Initialize runs.
    process.env['P11_KIT_SERVER_ADDRESS'] = `unix:path=${sock}`;
    p11 = new pkcs11js.PKCS11();
    p11.load(MODULE);
    p11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    const [slot] = p11.C_GetSlotList(true);
    session = p11.C_OpenSession(slot!, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    p11.C_Login(session, pkcs11js.CKU_USER, ROOT);

    rpc = await P11RpcClient.connect(sock);
    await rpc.initialize();
    rs = await rpc.openSession();
    await rpc.login(rs, ROOT);
  });

  after(async () => {
    try {
      p11?.C_Finalize();
      p11?.close();
    } catch {
      // already gone
    }
    rpc?.close();
    await sb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // ---------------------------------------------------------------------------------------------
  // pkcs11js through p11-kit-client.so

  it('pkcs11js: C_GenerateKey makes an AES and an HMAC key (REST sees them); C_DestroyObject schedules the deletion and the object is gone', async () => {
    const aes = p11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_LABEL, value: 'js-aes' },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
    ]);
    const mac = p11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_GENERIC_SECRET_KEY_GEN }, [
      { type: pkcs11js.CKA_LABEL, value: 'js-hmac' },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
    ]);
    assert.equal((await api(sb.addr, 'GET', '/v1/keys/js-aes', ROOT)).body.type, 'aes256');
    assert.equal((await api(sb.addr, 'GET', '/v1/keys/js-hmac', ROOT)).body.type, 'hmac256');
    const [cls, keyType, id] = p11.C_GetAttributeValue(session, aes, [{ type: pkcs11js.CKA_CLASS }, { type: pkcs11js.CKA_KEY_TYPE }, { type: pkcs11js.CKA_ID }]);
    assert.equal(cls!.value!.readUInt32LE(0), pkcs11js.CKO_SECRET_KEY);
    assert.equal(keyType!.value!.readUInt32LE(0), pkcs11js.CKK_AES);
    const aesId = (await api(sb.addr, 'GET', '/v1/keys/js-aes', ROOT)).body.id as string;
    assert.equal(id!.value!.toString('hex'), aesId.replace(/-/g, ''));
    // An invalid length is refused by the token.
    assert.throws(
      () => p11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [{ type: pkcs11js.CKA_VALUE_LEN, value: 16 }]),
      /CKR_ATTRIBUTE_VALUE_INVALID/,
    );

    p11.C_DestroyObject(session, mac);
    const after = await api(sb.addr, 'GET', '/v1/keys/js-hmac', ROOT);
    assert.equal(after.body.state, 'pending_deletion');
    p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: 'js-hmac' }]);
    assert.equal(p11.C_FindObjects(session, 10).length, 0);
    p11.C_FindObjectsFinal(session);
    assert.throws(() => p11.C_GetAttributeValue(session, mac, [{ type: pkcs11js.CKA_LABEL }]), /CKR_OBJECT_HANDLE_INVALID/);
  });

  it('pkcs11js: CKM_SHA256_HMAC sign (single and multi-part) equals node:crypto HMAC under the imported key; verify (single and multi-part) accepts it and refuses a changed MAC', () => {
    const key = handleOf('m-hmac', pkcs11js.CKO_SECRET_KEY);
    const parts = [Buffer.from('first part, '), Buffer.from('second part, '), Buffer.from('third')];
    const message = Buffer.concat(parts);
    const expected = createHmac('sha256', hmacKey).update(message).digest();
    const mech = { mechanism: pkcs11js.CKM_SHA256_HMAC };

    p11.C_SignInit(session, mech, key);
    assert.deepEqual(p11.C_Sign(session, message, Buffer.alloc(64)), expected);
    p11.C_SignInit(session, mech, key);
    for (const p of parts) p11.C_SignUpdate(session, p);
    assert.deepEqual(p11.C_SignFinal(session, Buffer.alloc(64)), expected);

    p11.C_VerifyInit(session, mech, key);
    assert.equal(p11.C_Verify(session, message, expected), true);
    p11.C_VerifyInit(session, mech, key);
    for (const p of parts) p11.C_VerifyUpdate(session, p);
    assert.equal(p11.C_VerifyFinal(session, expected), true);
    const wrong = Buffer.from(expected);
    wrong[0]! ^= 1;
    p11.C_VerifyInit(session, mech, key);
    assert.throws(() => p11.C_Verify(session, message, wrong), /CKR_SIGNATURE_INVALID/);
    p11.C_VerifyInit(session, mech, key);
    for (const p of parts) p11.C_VerifyUpdate(session, p);
    assert.throws(() => p11.C_VerifyFinal(session, wrong), /CKR_SIGNATURE_INVALID/);
  });

  it('pkcs11js: C_Digest and C_DigestUpdate/Final (SHA-1, SHA-256, SHA-384, SHA-512) equal node:crypto', () => {
    const data = randomBytes(3000);
    for (const [mechanism, hash, size] of [
      [pkcs11js.CKM_SHA_1, 'sha1', 20],
      [pkcs11js.CKM_SHA256, 'sha256', 32],
      [pkcs11js.CKM_SHA384, 'sha384', 48],
      [pkcs11js.CKM_SHA512, 'sha512', 64],
    ] as const) {
      const expected = createHash(hash).update(data).digest();
      p11.C_DigestInit(session, { mechanism });
      assert.deepEqual(p11.C_Digest(session, data, Buffer.alloc(size)), expected, hash);
      p11.C_DigestInit(session, { mechanism });
      p11.C_DigestUpdate(session, data.subarray(0, 1000));
      p11.C_DigestUpdate(session, data.subarray(1000));
      assert.deepEqual(p11.C_DigestFinal(session, Buffer.alloc(size)), expected, `${hash} multi-part`);
    }
  });

  it('pkcs11js: multi-part CKM_ECDSA (P-256) and CKM_SHA256_RSA_PKCS sign verify with node:crypto; C_VerifyUpdate/Final accepts them', () => {
    const message = Buffer.from('multi-part signing through p11-kit-client.so');
    const hash = createHash('sha256').update(message).digest();
    const ec = handleOf('m-p256', pkcs11js.CKO_PRIVATE_KEY);
    p11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, ec);
    p11.C_SignUpdate(session, hash.subarray(0, 10));
    p11.C_SignUpdate(session, hash.subarray(10));
    const ecSig = p11.C_SignFinal(session, Buffer.alloc(64));
    assert.equal(verify('sha256', message, { key: pems.get('m-p256')!, dsaEncoding: 'ieee-p1363' }, ecSig), true);
    assert.equal(verify('sha256', Buffer.from('other'), { key: pems.get('m-p256')!, dsaEncoding: 'ieee-p1363' }, ecSig), false);

    const rsaKey = handleOf('m-rsa', pkcs11js.CKO_PRIVATE_KEY);
    const mech = { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS };
    p11.C_SignInit(session, mech, rsaKey);
    p11.C_SignUpdate(session, message.subarray(0, 7));
    p11.C_SignUpdate(session, message.subarray(7));
    const rsaSig = p11.C_SignFinal(session, Buffer.alloc(256));
    assert.equal(verify('sha256', message, rsa.publicKey, rsaSig), true);
    // PKCS#1 v1.5 is deterministic: the same as node:crypto's own signature.
    const pub = handleOf('m-rsa', pkcs11js.CKO_PUBLIC_KEY);
    p11.C_VerifyInit(session, mech, pub);
    p11.C_VerifyUpdate(session, message.subarray(0, 3));
    p11.C_VerifyUpdate(session, message.subarray(3));
    assert.equal(p11.C_VerifyFinal(session, rsaSig), true);
  });

  it('pkcs11js: CKM_RSA_PKCS_PSS over a SHA-256 digest verifies with node:crypto (MGF1-SHA256, salt 32); other PSS parameters are CKR_MECHANISM_PARAM_INVALID', () => {
    const message = Buffer.from('PSS through pkcs11js');
    const digest = createHash('sha256').update(message).digest();
    const key = handleOf('m-rsa', pkcs11js.CKO_PRIVATE_KEY);
    const pss = (saltLen: number): pkcs11js.Mechanism => ({ mechanism: pkcs11js.CKM_RSA_PKCS_PSS, parameter: { type: pkcs11js.CK_PARAMS_RSA_PSS, hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256, saltLen } as pkcs11js.RsaPSS });
    const mech = pss(32);
    p11.C_SignInit(session, mech, key);
    const sig = p11.C_Sign(session, digest, Buffer.alloc(256));
    assert.equal(verify('sha256', message, { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig), true);
    assert.equal(verify('sha256', Buffer.from('x'), { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig), false);
    assert.throws(
      () => p11.C_SignInit(session, pss(20), key),
      /CKR_MECHANISM_PARAM_INVALID/,
    );
  });

  it('pkcs11js: CKM_RSA_PKCS_OAEP decrypts (single and multi-part) what node:crypto encrypted, and encrypts what node:crypto decrypts with the test-made private key', () => {
    const label = Buffer.from('oaep label');
    const plaintext = Buffer.from('a secret for RSA-OAEP');
    const ct = publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, plaintext);
    const key = handleOf('m-rsa', pkcs11js.CKO_PRIVATE_KEY);
    const oaep = (sourceData: Buffer): pkcs11js.Mechanism => ({ mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter: { type: pkcs11js.CK_PARAMS_RSA_OAEP, hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256, source: 1, sourceData } as pkcs11js.RsaOAEP });
    const mech = oaep(label);
    p11.C_DecryptInit(session, mech, key);
    assert.deepEqual(p11.C_Decrypt(session, ct, Buffer.alloc(256)), plaintext);
    p11.C_DecryptInit(session, mech, key);
    assert.equal(p11.C_DecryptUpdate(session, ct.subarray(0, 100), Buffer.alloc(256)).length, 0);
    assert.equal(p11.C_DecryptUpdate(session, ct.subarray(100), Buffer.alloc(256)).length, 0);
    assert.deepEqual(p11.C_DecryptFinal(session, Buffer.alloc(256)), plaintext);
    // Another label does not decrypt.
    p11.C_DecryptInit(session, oaep(Buffer.from('other')), key);
    assert.throws(() => p11.C_Decrypt(session, ct, Buffer.alloc(256)), /CKR_ENCRYPTED_DATA_INVALID/);

    const pub = handleOf('m-rsa', pkcs11js.CKO_PUBLIC_KEY);
    p11.C_EncryptInit(session, mech, pub);
    const fromToken = p11.C_Encrypt(session, plaintext, Buffer.alloc(256));
    assert.deepEqual(privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, fromToken), plaintext);
    p11.C_EncryptInit(session, mech, pub);
    p11.C_EncryptUpdate(session, plaintext.subarray(0, 5), Buffer.alloc(256));
    p11.C_EncryptUpdate(session, plaintext.subarray(5), Buffer.alloc(256));
    const multi = p11.C_EncryptFinal(session, Buffer.alloc(256));
    assert.deepEqual(privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, multi), plaintext);
  });

  // ---------------------------------------------------------------------------------------------
  // The RPC protocol spoken directly: mechanisms p11-kit-client 0.24 does not forward

  it('RPC: C_GetMechanismList names CKM_ECDSA_SHA256, CKM_EDDSA, CKM_AES_GCM and CKM_SHA256_RSA_PKCS_PSS', async () => {
    const [list] = await rpc.call(CALL.C_GetMechanismList, 'ufu', 'au', [{ u: 1 }, { f: 256 }]);
    for (const m of [CKM_ECDSA_SHA256, CKM_EDDSA, CKM_AES_GCM, CKM_SHA256_RSA_PKCS_PSS]) assert.ok((list as bigint[]).includes(BigInt(m)), `0x${m.toString(16)}`);
  });

  it('RPC: CKM_ECDSA_SHA256 with P-256 and secp256k1 (single and multi-part) verifies with node:crypto against the REST public key; a changed signature is CKR_SIGNATURE_INVALID', async () => {
    const message = Buffer.from('ECDSA with SHA-256 hashed by the token');
    for (const name of ['m-p256', 'm-k1']) {
      const key = await rpcHandleOf(name, CKO_PRIVATE_KEY);
      const sig = await rpc.oneShot(CALL.C_SignInit, CALL.C_Sign, rs, CKM_ECDSA_SHA256, null, key, message);
      assert.equal(sig.length, 64);
      assert.equal(verify('sha256', message, { key: pems.get(name)!, dsaEncoding: 'ieee-p1363' }, sig), true, name);
      assert.equal(verify('sha256', Buffer.from('other'), { key: pems.get(name)!, dsaEncoding: 'ieee-p1363' }, sig), false, name);

      await rpc.call(CALL.C_SignInit, 'uMu', '', [{ u: rs }, { M: CKM_ECDSA_SHA256, param: null }, { u: key }]);
      await rpc.call(CALL.C_SignUpdate, 'uay', '', [{ u: rs }, { ay: message.subarray(0, 9) }]);
      await rpc.call(CALL.C_SignUpdate, 'uay', '', [{ u: rs }, { ay: message.subarray(9) }]);
      const [multi] = await rpc.call(CALL.C_SignFinal, 'ufy', 'ay', [{ u: rs }, { f: 64 }]);
      assert.equal(verify('sha256', message, { key: pems.get(name)!, dsaEncoding: 'ieee-p1363' }, multi as Buffer), true, `${name} multi-part`);

      await rpc.call(CALL.C_VerifyInit, 'uMu', '', [{ u: rs }, { M: CKM_ECDSA_SHA256, param: null }, { u: key }]);
      await rpc.call(CALL.C_Verify, 'uayay', '', [{ u: rs }, { ay: message }, { ay: sig }]);
      const bad = Buffer.from(sig);
      bad[10]! ^= 1;
      await rpc.call(CALL.C_VerifyInit, 'uMu', '', [{ u: rs }, { M: CKM_ECDSA_SHA256, param: null }, { u: key }]);
      assert.equal(await rvOf(rpc.call(CALL.C_Verify, 'uayay', '', [{ u: rs }, { ay: message }, { ay: bad }])), CKR_SIGNATURE_INVALID);
    }
  });

  it('RPC: CKM_EDDSA (Ed25519, single and multi-part) verifies with node:crypto against the REST public key', async () => {
    const message = Buffer.from('PureEdDSA through the p11-kit protocol');
    const key = await rpcHandleOf('m-ed', CKO_PRIVATE_KEY);
    const sig = await rpc.oneShot(CALL.C_SignInit, CALL.C_Sign, rs, CKM_EDDSA, null, key, message);
    assert.equal(verify(null, message, pems.get('m-ed')!, sig), true);
    assert.equal(verify(null, Buffer.from('other'), pems.get('m-ed')!, sig), false);
    await rpc.call(CALL.C_SignInit, 'uMu', '', [{ u: rs }, { M: CKM_EDDSA, param: null }, { u: key }]);
    await rpc.call(CALL.C_SignUpdate, 'uay', '', [{ u: rs }, { ay: message.subarray(0, 5) }]);
    await rpc.call(CALL.C_SignUpdate, 'uay', '', [{ u: rs }, { ay: message.subarray(5) }]);
    const [multi] = await rpc.call(CALL.C_SignFinal, 'ufy', 'ay', [{ u: rs }, { f: 64 }]);
    // Ed25519 is deterministic: the multi-part signature is the same.
    assert.deepEqual(multi, sig);
  });

  it('RPC: CKM_AES_GCM encrypt and decrypt, single and multi-part (C_EncryptUpdate/Final, C_DecryptUpdate/Final), checked with node:crypto under the imported key', async () => {
    const keyId = ids.get('m-aes')!;
    const key = await rpcHandleOf('m-aes', CKO_SECRET_KEY);
    const plaintext = Buffer.from('AES-GCM through the p11-kit protocol, in parts');
    const single = await rpc.oneShot(CALL.C_EncryptInit, CALL.C_Encrypt, rs, CKM_AES_GCM, null, key, plaintext);
    assert.deepEqual(openStrongboxCiphertext(aesKey, keyId, single), plaintext);

    await rpc.call(CALL.C_EncryptInit, 'uMu', '', [{ u: rs }, { M: CKM_AES_GCM, param: null }, { u: key }]);
    const [u1] = await rpc.call(CALL.C_EncryptUpdate, 'uayfy', 'ay', [{ u: rs }, { ay: plaintext.subarray(0, 20) }, { f: 1024 }]);
    const [u2] = await rpc.call(CALL.C_EncryptUpdate, 'uayfy', 'ay', [{ u: rs }, { ay: plaintext.subarray(20) }, { f: 1024 }]);
    // A size query first (capacity 0), then the result: the two-call idiom of C_EncryptFinal.
    const [size] = await rpc.call(CALL.C_EncryptFinal, 'ufy', 'ay', [{ u: rs }, { f: 0 }]);
    const [fin] = await rpc.call(CALL.C_EncryptFinal, 'ufy', 'ay', [{ u: rs }, { f: 1024 }]);
    const multi = Buffer.concat([u1 as Buffer, u2 as Buffer, fin as Buffer]);
    assert.deepEqual(size, { length: multi.length });
    assert.deepEqual(openStrongboxCiphertext(aesKey, keyId, multi), plaintext);

    const mine = sealStrongboxCiphertext(aesKey, keyId, 1, plaintext);
    assert.deepEqual(await rpc.oneShot(CALL.C_DecryptInit, CALL.C_Decrypt, rs, CKM_AES_GCM, null, key, mine), plaintext);
    await rpc.call(CALL.C_DecryptInit, 'uMu', '', [{ u: rs }, { M: CKM_AES_GCM, param: null }, { u: key }]);
    await rpc.call(CALL.C_DecryptUpdate, 'uayfy', 'ay', [{ u: rs }, { ay: mine.subarray(0, 30) }, { f: 1024 }]);
    await rpc.call(CALL.C_DecryptUpdate, 'uayfy', 'ay', [{ u: rs }, { ay: mine.subarray(30) }, { f: 1024 }]);
    const [dec] = await rpc.call(CALL.C_DecryptFinal, 'ufy', 'ay', [{ u: rs }, { f: 1024 }]);
    assert.deepEqual(dec, plaintext);

    const tampered = Buffer.from(mine);
    tampered[20]! ^= 1;
    assert.equal(await rvOf(rpc.oneShot(CALL.C_DecryptInit, CALL.C_Decrypt, rs, CKM_AES_GCM, null, key, tampered)), CKR_ENCRYPTED_DATA_INVALID);
    // A GCM parameter (a caller-chosen IV) is refused: Strongbox chooses the nonce.
    assert.equal(await rvOf(rpc.call(CALL.C_EncryptInit, 'uMu', '', [{ u: rs }, { M: CKM_AES_GCM, param: Buffer.alloc(40) }, { u: key }])), 0x71 /* CKR_MECHANISM_PARAM_INVALID */);
  });

  it('RPC: CKM_SHA256_RSA_PKCS_PSS with its parameter as the C structure (single and multi-part) verifies with node:crypto', async () => {
    const message = Buffer.from('SHA256-RSA-PKCS-PSS through the p11-kit protocol');
    const key = await rpcHandleOf('m-rsa', CKO_PRIVATE_KEY);
    const param = pssParamBytes(CKM_SHA256, CKG_MGF1_SHA256, 32);
    const sig = await rpc.oneShot(CALL.C_SignInit, CALL.C_Sign, rs, CKM_SHA256_RSA_PKCS_PSS, param, key, message);
    const pss = { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    assert.equal(verify('sha256', message, pss, sig), true);
    assert.equal(verify('sha256', Buffer.from('other'), pss, sig), false);
    await rpc.call(CALL.C_SignInit, 'uMu', '', [{ u: rs }, { M: CKM_SHA256_RSA_PKCS_PSS, param }, { u: key }]);
    await rpc.call(CALL.C_SignUpdate, 'uay', '', [{ u: rs }, { ay: message.subarray(0, 4) }]);
    await rpc.call(CALL.C_SignUpdate, 'uay', '', [{ u: rs }, { ay: message.subarray(4) }]);
    const [multi] = await rpc.call(CALL.C_SignFinal, 'ufy', 'ay', [{ u: rs }, { f: 256 }]);
    assert.equal(verify('sha256', message, pss, multi as Buffer), true);
    // Salt length other than the hash's is refused, not silently changed.
    assert.equal(await rvOf(rpc.call(CALL.C_SignInit, 'uMu', '', [{ u: rs }, { M: CKM_SHA256_RSA_PKCS_PSS, param: pssParamBytes(CKM_SHA256, CKG_MGF1_SHA256, 20) }, { u: key }])), 0x71);
  });
});
