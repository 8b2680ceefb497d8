/**
 * RSA vectors for the rsa2048/3072/4096 algorithms (src/crypto/signers/rsa.ts).
 *
 * Verification: every case of the RSASSA-PSS files (salt length = hash length, MGF1 with the same hash:
 * the only PSS parameters Strongbox signs and verifies) and of the RSASSA-PKCS1-v1_5 files, through the
 * wrapper's verify (these files carry public keys only). The message is hashed here because the
 * algorithm takes digests, exactly as the service layer does.
 *
 * Decryption: every case of the RSAES-OAEP files, through the import path (the vector's PKCS#8 and PEM
 * private key imported with the same checks as POST /v1/keys/import) and the loaded key's decrypt.
 * rsa_pkcs1_2048_test.json holds PKCS#1 v1.5 ciphertexts: Strongbox does not offer that decryption
 * (a padding oracle), so every one of them — valid or not — must fail OAEP decryption alike.
 *
 * Signing: sign with keys generated here, cross-checked by OpenSSL through node:crypto's verify.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { rsa2048, rsa3072, rsa4096 } from '../../src/crypto/signers/rsa.js';
import type { AsymmetricAlgorithm, OaepParameters } from '../../src/crypto/signers/types.js';
import { StrongboxError } from '../../src/protocol/errors.js';
import type { RsaPadding } from '../../src/protocol/types.js';
import { collectFailures, expectedValidity, hex, label, loadWycheproof, type AcceptablePolicy, type WycheproofCase } from './wycheproof.js';

const BY_SIZE: Record<number, AsymmetricAlgorithm> = { 2048: rsa2048, 3072: rsa3072, 4096: rsa4096 };
const HASH: Record<string, 'sha256' | 'sha384' | 'sha512' | 'sha1'> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512', 'SHA-1': 'sha1' };

/**
 * Policy for `acceptable` RSA signature cases. MissingNull: a PKCS#1 v1.5 DigestInfo whose
 * AlgorithmIdentifier omits the NULL parameters. RFC 8017 §9.2 note 1 encodes the NULL, and Strongbox
 * verifies by encoding and comparing (§8.2.2), so exactly one encoding verifies: refused.
 */
const RSA_ACCEPTABLE: AcceptablePolicy = { MissingNull: false };

interface SigCase extends WycheproofCase {
  msg: string;
  sig: string;
}
interface SigGroup {
  keySize: number;
  sha: string;
  mgfSha?: string;
  sLen?: number;
  publicKeyDer: string;
  tests: SigCase[];
}

const SIGNATURE_FILES: { file: string; padding: RsaPadding }[] = [
  { file: 'rsa_pss_2048_sha256_mgf1_32_test.json', padding: 'pss' },
  { file: 'rsa_pss_2048_sha384_mgf1_48_test.json', padding: 'pss' },
  { file: 'rsa_pss_3072_sha256_mgf1_32_test.json', padding: 'pss' },
  { file: 'rsa_pss_4096_sha512_mgf1_64_test.json', padding: 'pss' },
  { file: 'rsa_signature_2048_sha256_test.json', padding: 'pkcs1' },
  { file: 'rsa_signature_3072_sha384_test.json', padding: 'pkcs1' },
  { file: 'rsa_signature_4096_sha512_test.json', padding: 'pkcs1' },
];

for (const { file, padding } of SIGNATURE_FILES) {
  test(`Wycheproof ${file}: verify (${padding})`, () => {
    const data = loadWycheproof<SigGroup>(file);
    let total = 0;
    const failures: string[] = [];
    for (const group of data.testGroups) {
      const alg = BY_SIZE[group.keySize];
      assert.ok(alg !== undefined, `${file}: key size ${group.keySize} is one Strongbox offers`);
      const hash = HASH[group.sha];
      assert.ok(hash !== undefined && hash !== 'sha1', `${file}: hash ${group.sha}`);
      if (padding === 'pss') {
        // The files chosen are the parameters Strongbox uses; a group with others would be a wrong file.
        assert.equal(group.mgfSha, group.sha, `${file}: MGF1 hash`);
        assert.equal(group.sLen, createHash(hash).digest().length, `${file}: salt length`);
      }
      const publicKey = hex(group.publicKeyDer);
      const r = collectFailures(file, group.tests, (c) => {
        const want = expectedValidity(file, c, RSA_ACCEPTABLE);
        const digest = new Uint8Array(createHash(hash).update(hex(c.msg)).digest());
        const got = alg.verify(publicKey, { kind: 'digest', digest, hash, padding }, hex(c.sig), 'raw');
        return got === want ? undefined : `verify returned ${got}, expected ${want}`;
      });
      total += r.count;
      failures.push(...r.failures);
    }
    assert.deepEqual(failures, []);
    assert.equal(total, data.numberOfTests, `${file}: every case ran`);
  });
}

interface OaepCase extends WycheproofCase {
  msg: string;
  ct: string;
  label?: string;
}
interface OaepGroup {
  keySize: number;
  sha?: string;
  mgfSha?: string;
  privateKeyPkcs8: string;
  privateKeyPem: string;
  tests: OaepCase[];
}

const OAEP_FILES = ['rsa_oaep_2048_sha256_mgf1sha256_test.json', 'rsa_oaep_2048_sha1_mgf1sha1_test.json', 'rsa_oaep_3072_sha256_mgf1sha256_test.json', 'rsa_oaep_4096_sha256_mgf1sha256_test.json'];

/** The vector's private key through both import forms (PEM and raw PKCS#8 DER), which must agree. */
function importVectorKey(alg: AsymmetricAlgorithm, group: OaepGroup): { secretKey: Uint8Array; publicKey: Uint8Array } {
  const fromPem = alg.secretFromPem!(group.privateKeyPem);
  const secretKey = hex(group.privateKeyPkcs8);
  alg.assertSecretKey(secretKey);
  const publicKey = alg.publicKeyOf(secretKey);
  assert.deepEqual(alg.publicKeyOf(fromPem), publicKey, 'PEM and PKCS#8 forms are the same key');
  return { secretKey, publicKey };
}

for (const file of OAEP_FILES) {
  test(`Wycheproof ${file}: decrypt through the import path`, () => {
    const data = loadWycheproof<OaepGroup>(file);
    let total = 0;
    const failures: string[] = [];
    for (const group of data.testGroups) {
      const alg = BY_SIZE[group.keySize]!;
      const hash = HASH[group.sha!];
      assert.ok(hash === 'sha256' || hash === 'sha1', `${file}: OAEP hash ${group.sha}`);
      assert.equal(group.mgfSha, group.sha, `${file}: MGF1 hash`);
      const { secretKey, publicKey } = importVectorKey(alg, group);
      const signer = alg.load(secretKey, publicKey);
      const r = collectFailures(file, group.tests, (c) => {
        const oaep: OaepParameters = { hash, label: hex(c.label ?? '') };
        const want = expectedValidity(file, c, {});
        let plaintext: Uint8Array | undefined;
        try {
          plaintext = signer.decrypt!(hex(c.ct), oaep);
        } catch (err) {
          if (!(err instanceof StrongboxError) || err.code !== 'DECRYPTION_FAILED' || err.field !== 'ciphertext') throw err;
        }
        if (!want) return plaintext === undefined ? undefined : 'decrypted an invalid ciphertext';
        if (plaintext === undefined) return 'did not decrypt a valid ciphertext';
        return Buffer.from(plaintext).equals(hex(c.msg)) ? undefined : 'wrong plaintext';
      });
      total += r.count;
      failures.push(...r.failures);
      signer.wipe();
    }
    assert.deepEqual(failures, []);
    assert.equal(total, data.numberOfTests, `${file}: every case ran`);
  });
}

test('Wycheproof rsa_pkcs1_2048_test.json: PKCS#1 v1.5 ciphertexts never decrypt (not offered), all with the same error', () => {
  const file = 'rsa_pkcs1_2048_test.json';
  const data = loadWycheproof<OaepGroup>(file);
  let total = 0;
  let validSeen = 0;
  const failures: string[] = [];
  for (const group of data.testGroups) {
    const { secretKey, publicKey } = importVectorKey(rsa2048, group);
    const signer = rsa2048.load(secretKey, publicKey);
    for (const c of group.tests) {
      total++;
      if (c.result === 'valid') validSeen++;
      for (const hash of ['sha256', 'sha1'] as const) {
        try {
          signer.decrypt!(hex(c.ct), { hash, label: new Uint8Array(0) });
          failures.push(`${label(file, c)}: decrypted under OAEP-${hash}`);
        } catch (err) {
          if (!(err instanceof StrongboxError) || err.code !== 'DECRYPTION_FAILED') failures.push(`${label(file, c)}: ${String(err)}`);
        }
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.equal(total, data.numberOfTests);
  assert.ok(validSeen > 0, 'control: the file has valid PKCS#1 v1.5 ciphertexts, and they too are refused');
});

test('signatures made by each key size verify with OpenSSL (node:crypto), for both paddings and every hash; a flipped bit does not', async () => {
  for (const alg of [rsa2048, rsa3072, rsa4096]) {
    const secretKey = await alg.generateSecretKey();
    const publicKey = alg.publicKeyOf(secretKey);
    const signer = alg.load(secretKey, publicKey);
    const key = createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' });
    const message = Buffer.from(`strongbox ${alg.type}`);
    for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
      for (const padding of ['pss', 'pkcs1'] as const) {
        const digest = new Uint8Array(createHash(hash).update(message).digest());
        const { signature } = await signer.sign({ kind: 'digest', digest, hash, padding }, 'raw');
        const opts = padding === 'pss' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digest.length } : { key, padding: constants.RSA_PKCS1_PADDING };
        assert.equal(nodeVerify(hash, message, opts, signature), true, `${alg.type} ${padding} ${hash}`);
        const flipped = Buffer.from(signature);
        flipped[flipped.length - 1]! ^= 1;
        assert.equal(nodeVerify(hash, message, opts, flipped), false, `${alg.type} ${padding} ${hash} flipped`);
        assert.equal(alg.verify(publicKey, { kind: 'digest', digest, hash, padding }, flipped, 'raw'), false);
      }
    }
    signer.wipe();
  }
});

test('import refuses other modulus sizes, other public exponents and rsa-pss-restricted keys, naming the field', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const pkcs8 = (k: KeyObject): Uint8Array => new Uint8Array(k.export({ type: 'pkcs8', format: 'der' }));
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  const e3 = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).privateKey;
  const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey;
  for (const [what, key, alg] of [['1024-bit', small, rsa2048], ['e=3', e3, rsa2048], ['2048-bit as rsa3072', e3, rsa3072], ['rsa-pss', pss, rsa2048]] as const) {
    assert.throws(() => alg.assertSecretKey(pkcs8(key)), (err: unknown) => err instanceof StrongboxError && err.code === 'INVALID_KEY_MATERIAL' && err.field === 'privateKey', what);
    const pem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
    assert.throws(() => alg.secretFromPem!(pem), (err: unknown) => err instanceof StrongboxError && err.code === 'INVALID_KEY_MATERIAL' && err.field === 'pem', `${what} (PEM)`);
  }
  const good = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const pkcs1Pem = good.export({ type: 'pkcs1', format: 'pem' }) as string;
  assert.match(pkcs1Pem, /BEGIN RSA PRIVATE KEY/);
  assert.deepEqual(rsa2048.secretFromPem!(pkcs1Pem), pkcs8(good), 'PKCS#1 PEM is accepted and stored as PKCS#8');
});
