/**
 * Private key material as KMIP Register sends it (KMIP 1.4 §2.1.7 Key Format Types, §9.1.3.2.3), turned
 * into the secret Strongbox seals for a key type: PKCS#8 (P-256, secp256k1, Ed25519, RSA), PKCS#1 (RSA),
 * SEC1 ECPrivateKey (P-256, secp256k1), Transparent EC Private Key (Recommended Curve + D) and Raw (a
 * 32-byte scalar or Ed25519 seed, typed by the Cryptographic Algorithm and curve the client gave).
 *
 * The same checks as a REST import (service/keys/import-key.ts), through the same algorithm objects
 * (crypto/algorithms.ts): the scalar is in [1, n-1], an embedded public point is on the curve and is the
 * one the scalar yields, an RSA key has an allowed modulus and passes a pairwise signing test. The DER is
 * parsed by node:crypto (OpenSSL); the key type comes from the material itself, and must agree with the
 * algorithm the client named.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import type { KeyType } from '../../protocol/types.js';
import { signingAlgorithm } from '../../crypto/algorithms.js';
import { wipe } from '../../crypto/wipe.js';

export type KmipPrivateKeyFormat = 'pkcs8' | 'pkcs1' | 'sec1' | 'raw';

export const MAX_DER_BYTES = 8 * 1024;

export function invalid(detail: string): StrongboxError {
  return new StrongboxError('INVALID_KEY_MATERIAL', detail, { field: 'KeyMaterial' });
}

/** The Strongbox key type a parsed private or public key is (RSA 2048/3072/4096, P-256, secp256k1, Ed25519). */
export function keyTypeOf(key: KeyObject, kind: 'private' | 'public'): KeyType {
  const details = key.asymmetricKeyDetails;
  const what = kind === 'public' ? ' public' : '';
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = details?.modulusLength;
      if (bits === 2048 || bits === 3072 || bits === 4096) return `rsa${bits}`;
      throw invalid(`RSA${what} keys are 2048, 3072 or 4096 bits, not ${bits ?? 'unknown'}`);
    }
    case 'ec':
      if (details?.namedCurve === 'prime256v1') return 'p256';
      if (details?.namedCurve === 'secp256k1') return 'secp256k1';
      throw invalid(`EC${what} keys are on P-256 or secp256k1, not ${details?.namedCurve ?? 'an unnamed curve'}`);
    case 'ed25519':
      return 'ed25519';
    default:
      throw invalid(`${key.asymmetricKeyType ?? 'this kind of'} ${kind} keys are not supported`);
  }
}

/**
 * The type and sealed-form secret of a DER private key (PKCS#8, PKCS#1 or SEC1). The secret is a
 * 32-byte scalar or seed, or the RSA key's PKCS#8 DER. The caller wipes it.
 */
export function privateKeyFromDer(format: Exclude<KmipPrivateKeyFormat, 'raw'>, der: Uint8Array): { type: KeyType; secretKey: Uint8Array } {
  if (der.length === 0 || der.length > MAX_DER_BYTES) throw invalid(`Key Material must be 1 to ${MAX_DER_BYTES} bytes of DER`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: format });
  } catch {
    throw invalid(`Key Material is not a valid ${format === 'pkcs8' ? 'PKCS#8' : format === 'pkcs1' ? 'PKCS#1 RSA' : 'SEC1 EC'} private key (bad encoding, or a public point not on the curve)`);
  }
  const type = keyTypeOf(key, 'private');
  if (format === 'pkcs1' && !type.startsWith('rsa')) throw invalid('PKCS#1 holds RSA keys only');
  if (format === 'sec1' && type !== 'p256' && type !== 'secp256k1') throw invalid('ECPrivateKey holds EC keys only');
  const alg = signingAlgorithm(type)!;
  if (type.startsWith('rsa')) {
    // RSA secrets are sealed as PKCS#8 DER; assertSecretKey checks the modulus and signs a pairwise test.
    const pkcs8 = new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }));
    assertSecret(type, pkcs8);
    return { type, secretKey: pkcs8 };
  }
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string') throw invalid('Key Material holds no private key');
  const secretKey = new Uint8Array(Buffer.from(jwk.d, 'base64url'));
  assertSecret(type, secretKey);
  // The public key the DER carried (OpenSSL keeps it as given) must be the one the scalar yields.
  const derived = alg.toJwk(alg.publicKeyOf(secretKey));
  if (derived.x !== jwk.x || (derived.y !== undefined && derived.y !== jwk.y)) {
    wipe(secretKey);
    throw invalid('the public key embedded in Key Material does not match its private key');
  }
  return { type, secretKey };
}

/** The algorithm's own check (range, length, RSA shape and pairwise test); wipes the secret when it fails. */
function assertSecret(type: KeyType, secretKey: Uint8Array): void {
  try {
    signingAlgorithm(type)!.assertSecretKey(secretKey);
  } catch (err) {
    wipe(secretKey);
    if (err instanceof StrongboxError && err.code === 'INVALID_KEY_MATERIAL') throw invalid(err.message.replace(/\bprivateKey\b/g, 'Key Material'));
    throw err;
  }
}

/** A raw 32-byte scalar (P-256, secp256k1) or Ed25519 seed, range-checked. The caller wipes it. */
export function privateKeyFromRaw(type: KeyType, raw: Uint8Array): Uint8Array {
  const alg = signingAlgorithm(type);
  if (alg === undefined || type.startsWith('rsa')) throw invalid(`${type} keys cannot be registered as Raw; use PKCS#8 or PKCS#1`);
  if (raw.length !== 32) throw invalid(`a ${type} private key is 32 bytes, not ${raw.length}`);
  const secretKey = Uint8Array.from(raw);
  assertSecret(type, secretKey);
  return secretKey;
}

/** D of a Transparent EC Private Key (a Big Integer) as the 32-byte scalar. */
export function scalarFromBigInteger(d: bigint): Uint8Array {
  if (d <= 0n || d >= 1n << 256n) throw invalid('D is out of range for a 256-bit curve');
  const out = new Uint8Array(32);
  let v = d;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
