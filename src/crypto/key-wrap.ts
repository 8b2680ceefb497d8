/**
 * RSA_AES_KEY_WRAP_SHA_256: the key-transport scheme of AWS KMS (ImportKeyMaterial / GetParametersForImport)
 * and Google Cloud KMS (import jobs, `RSA_OAEP_*_AES_256`). A fresh AES-256 key from the CSPRNG is
 * encrypted to an RSA public key with RSA-OAEP (RFC 8017 §7.1, SHA-256 and MGF1-SHA-256, empty label);
 * the key material is wrapped under that AES key with AES Key Wrap with Padding (RFC 5649, OpenSSL's
 * `id-aes256-wrap-pad`). The blob is the RSA ciphertext (modulus length) followed by the wrap.
 * Only standard primitives from node:crypto (OpenSSL) are composed here; none is implemented.
 */
import { constants, createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPair, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { randomBytes } from './random.js';
import { wipe } from './wipe.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export const RSA_AES_KEY_WRAP_SHA_256 = 'RSA_AES_KEY_WRAP_SHA_256';
export const MIN_WRAPPING_KEY_BITS = 2048;
export const MAX_WRAPPING_KEY_BITS = 4096;
/** RFC 5649 §3: the alternative initial value (AIV) prefix; OpenSSL takes these 4 bytes as the IV. */
const KWP_AIV = Buffer.from('a65959a6', 'hex');
const KWP_CIPHER = 'id-aes256-wrap-pad';
const AES_KEY_BYTES = 32;
/** RFC 5649: the wrap of n bytes is 8 * ceil(n / 8) + 8 bytes, so at least 16. */
const MIN_KWP_BYTES = 16;

/** Raised when a wrapped blob does not unwrap: OAEP decoding or the RFC 5649 integrity check failed, or it is malformed. */
export class KeyUnwrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyUnwrapError';
  }
}

/** Raised when a PEM is not an RSA public key of an accepted size; the message is safe to show. */
export class WrappingKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WrappingKeyError';
  }
}

const PUBLIC_PEM = /^-----BEGIN (RSA )?PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (RSA )?PUBLIC KEY-----\s*$/;

/**
 * An RSA public key from PEM (SubjectPublicKeyInfo "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY"), with a
 * modulus of 2048-4096 bits. Private keys and certificates are refused: a caller must never send a
 * private key, and a certificate's key is not what the caller asked us to check.
 */
export function parseRsaWrappingKey(pem: string): KeyObject {
  const text = pem.trim();
  if (!PUBLIC_PEM.test(text)) throw new WrappingKeyError('must be a PEM RSA public key (-----BEGIN PUBLIC KEY----- or -----BEGIN RSA PUBLIC KEY-----)');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch {
    throw new WrappingKeyError('is not a valid PEM public key');
  }
  // 'rsa-pss' keys are restricted to signatures by their parameters; OAEP needs plain rsaEncryption.
  if (key.asymmetricKeyType !== 'rsa') throw new WrappingKeyError(`must be an RSA key, not ${key.asymmetricKeyType ?? 'unknown'}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_WRAPPING_KEY_BITS || bits > MAX_WRAPPING_KEY_BITS) throw new WrappingKeyError(`must be an RSA key of ${MIN_WRAPPING_KEY_BITS}-${MAX_WRAPPING_KEY_BITS} bits, not ${bits}`);
  return key;
}

function modulusBytes(key: KeyObject): number {
  return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
}

function oaep(key: KeyObject) {
  return { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
}

/** Wraps key material to an RSA public key; the ephemeral AES key is wiped before this returns. */
export function wrapRsaAes(publicKey: KeyObject, material: Uint8Array): Uint8Array {
  const aesKey = randomBytes(AES_KEY_BYTES);
  try {
    const encryptedAesKey = publicEncrypt(oaep(publicKey), aesKey);
    const cipher = createCipheriv(KWP_CIPHER, aesKey, KWP_AIV);
    const wrapped = Buffer.concat([cipher.update(material), cipher.final()]);
    return new Uint8Array(Buffer.concat([encryptedAesKey, wrapped]));
  } finally {
    wipe(aesKey);
  }
}

/** Unwraps a blob made by wrapRsaAes (or by AWS/GCP-style tooling) with the RSA private key; throws KeyUnwrapError. */
export function unwrapRsaAes(privateKey: KeyObject, blob: Uint8Array): Uint8Array {
  const k = modulusBytes(privateKey);
  if (blob.byteLength < k + MIN_KWP_BYTES || (blob.byteLength - k) % 8 !== 0) {
    throw new KeyUnwrapError(`must be ${k} bytes of RSA-OAEP ciphertext followed by an RFC 5649 wrap (a multiple of 8 bytes, at least 16)`);
  }
  let aesKey: Buffer | undefined;
  try {
    try {
      aesKey = privateDecrypt(oaep(privateKey), blob.subarray(0, k));
    } catch {
      throw new KeyUnwrapError('the RSA-OAEP part does not decrypt with this wrapping key');
    }
    if (aesKey.byteLength !== AES_KEY_BYTES) throw new KeyUnwrapError('the RSA-OAEP part does not hold an AES-256 key');
    const decipher = createDecipheriv(KWP_CIPHER, aesKey, KWP_AIV);
    const first = decipher.update(blob.subarray(k));
    let last: Buffer;
    try {
      last = decipher.final();
    } catch {
      first.fill(0);
      throw new KeyUnwrapError('the AES key wrap failed its integrity check (RFC 5649)');
    }
    const out = new Uint8Array(first.byteLength + last.byteLength);
    out.set(first, 0);
    out.set(last, first.byteLength);
    first.fill(0);
    last.fill(0);
    return out;
  } catch (err) {
    if (err instanceof KeyUnwrapError) throw err;
    // OpenSSL reports a failed RFC 5649 check from update() on some versions, from final() on others.
    throw new KeyUnwrapError('the AES key wrap failed its integrity check (RFC 5649)');
  } finally {
    wipe(aesKey);
  }
}

/** A new RSA-4096 key pair (e = 65537) for receiving wrapped keys: PKCS#8 DER private key (secret) and SPKI DER public key. */
export async function generateRsaWrappingKeyPair(): Promise<{ privateKeyPkcs8: Uint8Array; publicKeySpki: Uint8Array }> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: MAX_WRAPPING_KEY_BITS,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  // Views, not copies: the caller wipes privateKeyPkcs8 once it is sealed.
  return { privateKeyPkcs8: new Uint8Array(privateKey.buffer, privateKey.byteOffset, privateKey.byteLength), publicKeySpki: new Uint8Array(publicKey) };
}

export function rsaPrivateKeyFromPkcs8(der: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'pkcs8' });
}

export function spkiToPem(spki: Uint8Array): string {
  const b64 = Buffer.from(spki).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN PUBLIC KEY-----\n${b64}-----END PUBLIC KEY-----\n`;
}
