/**
 * RSA keys of 2048, 3072 and 4096 bits over node:crypto (OpenSSL): RSASSA-PSS and RSASSA-PKCS1-v1_5
 * signatures with SHA-256/384/512 (RFC 8017 §8), and RSAES-OAEP decryption with SHA-256 or SHA-1
 * (RFC 8017 §7.1). The secret is the PKCS#8 DER of the private key; the public key is its
 * SubjectPublicKeyInfo DER (RFC 5280 / RFC 8017 A.1.1). Public exponent 65537 only.
 *
 * Signing takes a precomputed digest (AWS DIGEST, PKCS#11 CKM_RSA_PKCS_PSS / CKM_RSA_PKCS): node:crypto
 * only signs messages it hashes itself, so the two encodings of RFC 8017 §9 are built here
 * (EMSA-PSS-ENCODE §9.1.1 with salt length = hash length and MGF1 with the same hash; EMSA-PKCS1-v1_5
 * §9.2 with the DigestInfo prefixes of its note 1) and OpenSSL does the RSA operation (RSA_NO_PADDING /
 * type-1 padding, with blinding). Verification is "encode and compare" (§8.2.2): the public operation
 * recovers the encoded message and it is checked byte for byte, never parsed as ASN.1.
 * Every signature is verified against the public key before it is returned (GUIDE §10; an RSA-CRT fault
 * would otherwise leak a factor of the modulus).
 */
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { StrongboxError } from '../../protocol/errors.js';
import type { HashName, RsaKeyType, RsaPadding } from '../../protocol/types.js';
import { randomBytes } from '../random.js';
import type { AsymmetricAlgorithm, LoadedSigner, OaepParameters, SignPayload, SyncSigner } from './types.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** The only public exponent accepted (F4): what every generator uses; AWS KMS and Cloud KMS use it too. */
export const RSA_PUBLIC_EXPONENT = 65537;

type RsaHash = 'sha256' | 'sha384' | 'sha512';
const HASH_BYTES: Record<RsaHash | 'sha1', number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** RFC 8017 §9.2 note 1: DER of DigestInfo up to (and including) the OCTET STRING header of the digest. */
const DIGEST_INFO: Record<RsaHash, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

export const RSA_HASHES: readonly RsaHash[] = ['sha256', 'sha384', 'sha512'];

function isRsaHash(hash: HashName | undefined): hash is RsaHash {
  return hash === 'sha256' || hash === 'sha384' || hash === 'sha512';
}

function hashOf(hash: RsaHash, ...parts: Uint8Array[]): Buffer {
  const h = createHash(hash);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** RFC 8017 B.2.1: MGF1 with the given hash. */
function mgf1(hash: RsaHash, seed: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  const counter = Buffer.alloc(4);
  for (let done = 0, i = 0; done < length; i++) {
    counter.writeUInt32BE(i);
    const block = hashOf(hash, seed, counter);
    block.copy(out, done, 0, Math.min(block.length, length - done));
    done += block.length;
  }
  return out;
}

/** RFC 8017 §9.1.1 EMSA-PSS-ENCODE with sLen = hLen, left-padded with zeros to the modulus length k. */
function emsaPssEncode(hash: RsaHash, mHash: Uint8Array, modBits: number): Buffer {
  const hLen = HASH_BYTES[hash];
  const sLen = hLen;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + sLen + 2) throw new StrongboxError('INTERNAL', 'modulus too small for PSS with this hash');
  const salt = randomBytes(sLen);
  const h = hashOf(hash, Buffer.alloc(8), mHash, salt);
  const db = Buffer.alloc(emLen - hLen - 1);
  db[emLen - sLen - hLen - 2] = 0x01;
  Buffer.from(salt).copy(db, emLen - sLen - hLen - 1);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >>> (8 * emLen - emBits);
  const k = Math.ceil(modBits / 8);
  return Buffer.concat([Buffer.alloc(k - emLen), db, h, Buffer.from([0xbc])]);
}

/** RFC 8017 §9.1.2 EMSA-PSS-VERIFY with sLen = hLen; `em` is the k-byte result of the public operation. */
function emsaPssVerify(hash: RsaHash, mHash: Uint8Array, em: Buffer, modBits: number): boolean {
  const hLen = HASH_BYTES[hash];
  const sLen = hLen;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + sLen + 2) return false;
  // When k > emLen (modBits ≡ 1 mod 8) the extra leading byte must be zero (§8.1.2 step 2c, I2OSP to emLen).
  for (let i = 0; i < em.length - emLen; i++) if (em[i] !== 0) return false;
  const e = em.subarray(em.length - emLen);
  if (e[emLen - 1] !== 0xbc) return false;
  const maskedDb = e.subarray(0, emLen - hLen - 1);
  const h = e.subarray(emLen - hLen - 1, emLen - 1);
  const topBits = 8 * emLen - emBits;
  if ((maskedDb[0]! & ~(0xff >>> topBits) & 0xff) !== 0) return false;
  const db = mgf1(hash, h, maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= maskedDb[i]!;
  db[0]! &= 0xff >>> topBits;
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  return hashOf(hash, Buffer.alloc(8), mHash, salt).equals(h);
}

/** RFC 8017 §9.2 EMSA-PKCS1-v1_5-ENCODE of a digest: 0x00 0x01 FF…FF 0x00 DigestInfo, k bytes. */
function emsaPkcs1Encode(hash: RsaHash, digest: Uint8Array, k: number): Buffer {
  const t = Buffer.concat([DIGEST_INFO[hash], digest]);
  if (k < t.length + 11) throw new StrongboxError('INTERNAL', 'modulus too small for PKCS#1 v1.5 with this hash');
  return Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(k - t.length - 3, 0xff), Buffer.from([0x00]), t]);
}

interface RsaDigest {
  digest: Uint8Array;
  hash: RsaHash;
  padding: RsaPadding;
}

function rsaDigestOf(payload: SignPayload): RsaDigest {
  if (payload.kind !== 'digest') throw new StrongboxError('INTERNAL', 'RSA signs digests');
  const hash = payload.hash ?? 'sha256';
  if (!isRsaHash(hash)) throw new StrongboxError('INVALID_ARGUMENT', 'RSA signatures use sha256, sha384 or sha512', { field: 'hash' });
  if (payload.digest.byteLength !== HASH_BYTES[hash]) throw new StrongboxError('INVALID_ARGUMENT', `a ${hash} digest is ${HASH_BYTES[hash]} bytes`, { field: 'digest' });
  return { digest: payload.digest, hash, padding: payload.padding ?? 'pss' };
}

function modulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails?.modulusLength ?? 0;
}

/** The public operation s^e mod n; undefined unless the signature is exactly k bytes and below n. */
function rsaPublic(key: KeyObject, signature: Uint8Array): Buffer | undefined {
  if (signature.byteLength !== Math.ceil(modulusBits(key) / 8)) return undefined;
  try {
    return publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return undefined;
  }
}

function verifyWith(key: KeyObject, d: RsaDigest, signature: Uint8Array): boolean {
  const em = rsaPublic(key, signature);
  if (em === undefined) return false;
  if (d.padding === 'pss') return emsaPssVerify(d.hash, d.digest, em, modulusBits(key));
  return em.equals(emsaPkcs1Encode(d.hash, d.digest, em.length));
}

function signWith(key: KeyObject, bits: number, d: RsaDigest): Buffer {
  if (d.padding === 'pss') return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, emsaPssEncode(d.hash, d.digest, bits));
  // Type-1 padding by OpenSSL around DigestInfo ‖ digest is exactly EMSA-PKCS1-v1_5.
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([DIGEST_INFO[d.hash], d.digest]));
}

function oaepOptions(key: KeyObject, oaep: OaepParameters) {
  return { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaep.hash, oaepLabel: Buffer.from(oaep.label) };
}

function invalidKey(field: string, detail: string): StrongboxError {
  return new StrongboxError('INVALID_KEY_MATERIAL', detail, { field });
}

/** Checks an RSA KeyObject's kind, size and exponent; `rsa-pss`-restricted keys are refused (they cannot decrypt). */
function assertRsaShape(key: KeyObject, bits: number, field: string, what: string): void {
  if (key.asymmetricKeyType !== 'rsa') throw invalidKey(field, `${what} must be an RSA (rsaEncryption) key, not ${key.asymmetricKeyType ?? 'unknown'}`);
  const got = modulusBits(key);
  if (got !== bits) throw invalidKey(field, `${what} has a ${got}-bit modulus; rsa${bits} keys need exactly ${bits} bits`);
  if (key.asymmetricKeyDetails?.publicExponent !== BigInt(RSA_PUBLIC_EXPONENT)) throw invalidKey(field, `${what} must have the public exponent 65537`);
}

function privateKeyObject(pkcs8: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(spki: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
}

/** A private KeyObject as PKCS#8 DER bytes (the form sealed under the barrier). */
export function toPkcs8(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }));
}

const PAIRWISE_DIGEST = new Uint8Array(32).fill(0x5a);

function rsa(type: RsaKeyType, bits: number): AsymmetricAlgorithm {
  return {
    type,
    hashes: RSA_HASHES,
    encodings: ['raw'],
    defaultEncoding: 'raw',
    signsDigests: true,
    paddings: ['pss', 'pkcs1'],
    // PKCS#8 DER of a 2048-4096-bit key is ≈ 1.2-2.4 KB; anything far outside is not one.
    secretKeyBytes: { min: 64, max: 4096 },

    secretFromPem(pem) {
      const pkcs8 = rsaPkcs8FromPem(pem);
      if (pkcs8 === undefined) throw invalidKey('pem', 'pem is not a PEM RSA private key (PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY")');
      try {
        this.assertSecretKey(pkcs8);
      } catch (err) {
        if (err instanceof StrongboxError && err.code === 'INVALID_KEY_MATERIAL') throw invalidKey('pem', err.message.replace(/^privateKey /, 'pem '));
        throw err;
      }
      return pkcs8;
    },

    async generateSecretKey() {
      // libuv threadpool: a 4096-bit prime search (≈ 1 s) never blocks the event loop.
      const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: bits, publicExponent: RSA_PUBLIC_EXPONENT });
      return toPkcs8(privateKey);
    },

    assertSecretKey(secretKey) {
      let key: KeyObject;
      try {
        key = privateKeyObject(secretKey);
      } catch {
        throw invalidKey('privateKey', 'privateKey is not a valid PKCS#8 RSA private key');
      }
      assertRsaShape(key, bits, 'privateKey', 'privateKey');
      // Pairwise consistency (FIPS 140-3 style): OpenSSL does not check that the CRT parameters belong
      // to the modulus; a key that cannot make a verifying signature is refused before it is stored.
      const d: RsaDigest = { digest: PAIRWISE_DIGEST, hash: 'sha256', padding: 'pkcs1' };
      let ok = false;
      try {
        ok = verifyWith(createPublicKey(key), d, signWith(key, bits, d));
      } catch {
        ok = false;
      }
      if (!ok) throw invalidKey('privateKey', 'the RSA private key is inconsistent (its parameters do not make a verifying signature)');
    },

    publicKeyOf(secretKey) {
      return new Uint8Array(createPublicKey(privateKeyObject(secretKey)).export({ type: 'spki', format: 'der' }));
    },

    assertPublicKey(publicKey) {
      let key: KeyObject;
      try {
        key = publicKeyObject(publicKey);
      } catch {
        throw invalidKey('publicKey', 'publicKey is not an RSA SubjectPublicKeyInfo');
      }
      assertRsaShape(key, bits, 'publicKey', 'publicKey');
    },

    load(secretKey: Uint8Array, publicKey: Uint8Array): SyncSigner {
      let key: KeyObject | undefined = privateKeyObject(secretKey);
      const pub = publicKeyObject(publicKey);
      return {
        sign(payload) {
          if (key === undefined) throw new StrongboxError('SEALED');
          const d = rsaDigestOf(payload);
          const signature = signWith(key, bits, d);
          // Verify before release (GUIDE §10): a faulty CRT signature reveals a factor of n.
          if (!verifyWith(pub, d, signature)) throw new StrongboxError('INTERNAL', 'signature failed self-verification');
          return { signature: new Uint8Array(signature) };
        },
        decrypt(ciphertext, oaep) {
          if (key === undefined) throw new StrongboxError('SEALED');
          // One answer for every failure (length, range, OAEP decoding): no padding oracle (Manger 2001).
          if (ciphertext.byteLength !== Math.ceil(bits / 8)) throw new StrongboxError('DECRYPTION_FAILED', 'ciphertext does not decrypt with this key', { field: 'ciphertext' });
          try {
            return new Uint8Array(privateDecrypt(oaepOptions(key, oaep), ciphertext));
          } catch {
            throw new StrongboxError('DECRYPTION_FAILED', 'ciphertext does not decrypt with this key', { field: 'ciphertext' });
          }
        },
        wipe() {
          // OpenSSL owns the key bytes; dropping the reference lets them be freed (not zeroized).
          key = undefined;
        },
      };
    },

    verify(publicKey, payload, signature, encoding) {
      if (encoding !== 'raw') return false;
      let d: RsaDigest;
      try {
        d = rsaDigestOf(payload);
        return verifyWith(publicKeyObject(publicKey), d, signature);
      } catch (err) {
        if (err instanceof StrongboxError && err.code === 'INVALID_ARGUMENT') throw err;
        return false;
      }
    },

    encrypt(publicKey, plaintext, oaep) {
      const max = Math.ceil(bits / 8) - 2 * HASH_BYTES[oaep.hash] - 2;
      if (plaintext.byteLength > max) throw new StrongboxError('INVALID_ARGUMENT', `plaintext is too long: RSA-OAEP with ${oaep.hash} encrypts at most ${max} bytes under a ${bits}-bit key`, { field: 'plaintext' });
      return new Uint8Array(publicEncrypt(oaepOptions(publicKeyObject(publicKey), oaep), plaintext));
    },

    toSpki(publicKey) {
      return publicKey.slice();
    },

    toJwk(publicKey) {
      const jwk = publicKeyObject(publicKey).export({ format: 'jwk' });
      return { kty: 'RSA', n: String(jwk.n), e: String(jwk.e) };
    },
  };
}

/** What loadPooled needs of the signing pool (crypto/pool/signing-pool.ts), structurally. */
interface RsaSigningPool {
  sign(cacheId: string, digest: Uint8Array, material: () => { secretKey: Uint8Array; publicKey: Uint8Array }, rsa: { type: RsaKeyType; hash: RsaHash; padding: RsaPadding }): Promise<{ signature: Uint8Array; recid: number }>;
  evict(cacheId: string): void;
}

/**
 * An RSA signer whose signing (and verify-before-release) runs on a pool worker thread. The payload is
 * checked here, so a bad digest or hash is still INVALID_ARGUMENT naming its field; OAEP decryption
 * stays on this thread (it is rarer, and its one failure answer must not depend on a worker).
 */
export function loadPooled(pool: RsaSigningPool, type: RsaKeyType, cacheId: string, secretKey: Uint8Array, publicKey: Uint8Array): LoadedSigner {
  const local = rsaAlgorithms[type].load(secretKey, publicKey);
  const pkcs8 = secretKey.slice();
  return {
    async sign(payload) {
      const d = rsaDigestOf(payload);
      const { signature } = await pool.sign(cacheId, d.digest, () => ({ secretKey: pkcs8, publicKey }), { type, hash: d.hash, padding: d.padding });
      return { signature };
    },
    decrypt(ciphertext, oaep) {
      return local.decrypt!(ciphertext, oaep);
    },
    wipe() {
      pkcs8.fill(0);
      local.wipe();
      pool.evict(cacheId);
    },
  };
}

export const rsa2048 = rsa('rsa2048', 2048);
export const rsa3072 = rsa('rsa3072', 3072);
export const rsa4096 = rsa('rsa4096', 4096);
const rsaAlgorithms: Record<RsaKeyType, AsymmetricAlgorithm> = { rsa2048, rsa3072, rsa4096 };

/** Largest OAEP plaintext for a key size and hash (RFC 8017 §7.1.1: k - 2hLen - 2). */
export function oaepMaxPlaintextBytes(bits: number, hash: OaepParameters['hash']): number {
  return Math.ceil(bits / 8) - 2 * HASH_BYTES[hash] - 2;
}

/** For import: a PEM private key (PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY") as PKCS#8 DER, or undefined if it is not RSA PEM. */
function rsaPkcs8FromPem(pem: string): Uint8Array | undefined {
  // Encrypted PEM would make OpenSSL ask for a passphrase; it is refused like any other non-key.
  if (pem.includes('ENCRYPTED')) return undefined;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return undefined;
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return undefined;
  return toPkcs8(key);
}
