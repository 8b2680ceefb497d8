/**
 * Registered public keys (KMIP 1.4 §2.2.3; Key Format Types §9.1.3.2.3): parsing and validating what a
 * client sends, answering it back in the format asked, and the two operations a public key alone can do —
 * Signature Verify (ECDSA P-256 / secp256k1, Ed25519, RSA PSS and PKCS#1 v1.5) and, for RSA, Encrypt with
 * RSAES-OAEP. Parsing is node:crypto's (OpenSSL); the point and modulus checks are the key types' own
 * (crypto/algorithms.ts: assertPublicKey — on the curve, right length, allowed modulus), so a point not on
 * the curve or a 1024-bit modulus answers Invalid Field naming the problem and stores nothing.
 *
 * A public key is stored in its key type's native form (uncompressed SEC1 point, 32-byte Ed25519 key, RSA
 * SubjectPublicKeyInfo DER), as the public half of a Strongbox key is.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import type { KeyType, SignatureEncoding } from '../../protocol/types.js';
import { parseHex } from '../../protocol/hex.js';
import { requireDecryptingAlgorithm, signingAlgorithm } from '../../crypto/algorithms.js';
import type { OaepParameters } from '../../crypto/signers/types.js';
import { toEncoding, toSignPayload, type PayloadFields } from '../shared/sign-payload.js';
import { assertNotDestroyed, type KmipItem } from './kmip-item.js';
import { invalid, keyTypeOf, MAX_DER_BYTES } from './kmip-import.js';

/** The key type's own check (on the curve, length, modulus), with the message naming Key Material. */
function assertPublic(type: KeyType, publicKey: Uint8Array): void {
  try {
    signingAlgorithm(type)!.assertPublicKey(publicKey);
  } catch (err) {
    if (err instanceof StrongboxError && err.code === 'INVALID_KEY_MATERIAL') throw invalid(err.message.replace(/\bpublicKey\b/g, 'Key Material'));
    throw err;
  }
}

/** A public key as X.509 SubjectPublicKeyInfo or PKCS#1 RSAPublicKey DER → its type and native form. */
export function publicKeyFromDer(format: 'spki' | 'pkcs1', der: Uint8Array): { type: KeyType; publicKey: Uint8Array } {
  if (der.length === 0 || der.length > MAX_DER_BYTES) throw invalid(`Key Material must be 1 to ${MAX_DER_BYTES} bytes of DER`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: format });
  } catch {
    throw invalid(`Key Material is not a valid ${format === 'spki' ? 'X.509 SubjectPublicKeyInfo' : 'PKCS#1 RSA'} public key (bad encoding, or a point not on the curve)`);
  }
  const type = keyTypeOf(key, 'public');
  if (format === 'pkcs1' && !type.startsWith('rsa')) throw invalid('PKCS#1 holds RSA keys only');
  let publicKey: Uint8Array;
  if (type.startsWith('rsa')) publicKey = new Uint8Array(key.export({ type: 'spki', format: 'der' }));
  else {
    const jwk = key.export({ format: 'jwk' });
    const x = Buffer.from(String(jwk.x), 'base64url');
    publicKey = type === 'ed25519' ? new Uint8Array(x) : new Uint8Array(Buffer.concat([Buffer.from([4]), x, Buffer.from(String(jwk.y), 'base64url')]));
  }
  assertPublic(type, publicKey);
  return { type, publicKey };
}

/**
 * A raw public key of a known type: a SEC1 point (65 bytes uncompressed, or 33 compressed) for P-256 and
 * secp256k1 (Transparent EC Public Key's Q String, or Raw), 32 bytes for Ed25519. Stored uncompressed.
 */
export function publicKeyFromRaw(type: KeyType, raw: Uint8Array): Uint8Array {
  if (type === 'ed25519') {
    if (raw.length !== 32) throw invalid(`an Ed25519 public key is 32 bytes, not ${raw.length}`);
  } else if (type === 'p256' || type === 'secp256k1') {
    if (raw.length !== 65 && raw.length !== 33) throw invalid(`a ${type} public key is a 65-byte (or 33-byte compressed) SEC1 point, not ${raw.length} bytes`);
  } else throw invalid(`${type} public keys are registered as X.509 or PKCS#1`);
  const publicKey = Uint8Array.from(raw);
  assertPublic(type, publicKey);
  if (publicKey.length === 33) {
    const jwk = signingAlgorithm(type)!.toJwk(publicKey);
    return new Uint8Array(Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]));
  }
  return publicKey;
}

/** An RSA public key from a Transparent RSA Public Key (Modulus, Public Exponent). */
export function publicKeyFromRsaComponents(modulus: bigint, exponent: bigint): { type: KeyType; publicKey: Uint8Array } {
  if (modulus <= 0n || exponent <= 0n) throw invalid('Modulus and Public Exponent must be positive');
  const b64 = (n: bigint): string => {
    const hex = n.toString(16);
    return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex').toString('base64url');
  };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'RSA', n: b64(modulus), e: b64(exponent) }, format: 'jwk' });
  } catch {
    throw invalid('Modulus and Public Exponent are not a valid RSA public key');
  }
  const type = keyTypeOf(key, 'public');
  const publicKey = new Uint8Array(key.export({ type: 'spki', format: 'der' }));
  assertPublic(type, publicKey);
  return { type, publicKey };
}

function usable(item: KmipItem): { type: KeyType; publicKey: Uint8Array } {
  assertNotDestroyed(item);
  if (item.kind !== 'public_key' || item.keyType === undefined || item.publicKey == null) throw new StrongboxError('UNSUPPORTED_OPERATION', `object ${item.uid} is not a public key`);
  return { type: item.keyType, publicKey: item.publicKey };
}

/** The public key as SubjectPublicKeyInfo DER (Key Format Type X.509). */
export function itemSpki(item: KmipItem): Uint8Array {
  const { type, publicKey } = usable(item);
  return signingAlgorithm(type)!.toSpki(publicKey);
}

/** An RSA public key as PKCS#1 RSAPublicKey DER. */
export function itemPkcs1(item: KmipItem): Uint8Array {
  const { type, publicKey } = usable(item);
  if (!type.startsWith('rsa')) throw new StrongboxError('UNSUPPORTED_OPERATION', 'PKCS#1 holds RSA keys only');
  return new Uint8Array(createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' }).export({ type: 'pkcs1', format: 'der' }));
}

/** The raw public key (uncompressed SEC1 point, or 32 bytes for Ed25519). */
export function itemRawPublicKey(item: KmipItem): Uint8Array {
  const { type, publicKey } = usable(item);
  if (type.startsWith('rsa')) throw new StrongboxError('UNSUPPORTED_OPERATION', 'RSA public keys have no raw form');
  return publicKey;
}

/**
 * Signature Verify with a registered public key. Only Active objects verify (KMIP 1.4 §3.22: a
 * Pre-Active, Deactivated or Compromised object is not used to process data).
 */
export function verifyWithKmipItem(item: KmipItem, fields: PayloadFields & { encoding?: SignatureEncoding }, signature: Uint8Array): boolean {
  const { type, publicKey } = usable(item);
  if (item.state !== 'active') throw new StrongboxError('KEY_DISABLED', `object ${item.uid} is ${item.state}, not active`);
  const alg = signingAlgorithm(type)!;
  const payload = toSignPayload(alg, fields);
  const encoding = toEncoding(alg, fields.encoding);
  const sig = parseHex(`0x${Buffer.from(signature).toString('hex')}`, { field: 'SignatureData', minBytes: 1, maxBytes: 1024 });
  return alg.verify(publicKey, payload, sig, encoding);
}

/** RSAES-OAEP encryption with a registered RSA public key (Active only). */
export function encryptWithKmipItem(item: KmipItem, plaintext: Uint8Array, oaep: OaepParameters): Uint8Array {
  const { type, publicKey } = usable(item);
  if (item.state !== 'active') throw new StrongboxError('KEY_DISABLED', `object ${item.uid} is ${item.state}, not active`);
  if (plaintext.length > 512) throw new StrongboxError('INVALID_ARGUMENT', 'Data is too long for RSA encryption', { field: 'Data' });
  return requireDecryptingAlgorithm(type, 'encrypt').encrypt(publicKey, plaintext, oaep);
}
