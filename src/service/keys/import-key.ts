/**
 * Import existing key material: raw 0x-hex (scalar, Ed25519 seed, AES key, or an RSA key's PKCS#8 DER)
 * or a PEM private key (SEC1 "EC PRIVATE KEY", PKCS#8, or PKCS#1 "RSA PRIVATE KEY" for RSA types). Scalars are range-checked, embedded public points must
 * be on the curve and match the private key; nothing invalid is ever stored.
 */
import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import { parseHex } from '../../protocol/hex.js';
import type { KeyInfo, KeyType } from '../../protocol/types.js';
import { signingAlgorithm, symmetricKeyBytes } from '../../crypto/algorithms.js';
import { wipe } from '../../crypto/wipe.js';
import type { ServiceContext } from '../shared/context.js';
import { assertKeyMetadata, storeKey, type KeyMetadataParameters } from '../shared/store-key.js';
import { assertKeyType } from '../shared/validate.js';

export interface ImportKeyParameters extends KeyMetadataParameters {
  type: KeyType;
  /** 0x-hex: a 32-byte scalar (secp256k1, p256), seed (ed25519) or key (aes256); a 32-64 byte key (hmac256) */
  privateKey?: string;
  /** PEM private key: SEC1 or PKCS#8 (PKCS#1 too for RSA) */
  pem?: string;
}

const JWK_CURVE: Partial<Record<KeyType, string>> = { secp256k1: 'secp256k1', p256: 'P-256', ed25519: 'Ed25519' };
const MAX_PEM_CHARS = 16 * 1024;

function invalidPem(detail: string): StrongboxError {
  return new StrongboxError('INVALID_KEY_MATERIAL', detail, { field: 'pem' });
}

/** Returns the secret scalar/seed of a PEM key of the expected type, after checking its embedded public key. */
function secretFromPem(type: KeyType, pem: string): Uint8Array {
  const rsa = signingAlgorithm(type)?.secretFromPem;
  if (rsa !== undefined) {
    if (pem.length > MAX_PEM_CHARS || !pem.includes('-----BEGIN')) throw invalidPem('pem must be a PEM-encoded private key');
    return rsa.call(signingAlgorithm(type), pem);
  }
  const crv = JWK_CURVE[type];
  if (crv === undefined) throw new StrongboxError('INVALID_ARGUMENT', `pem is not accepted for ${type} keys; use privateKey`, { field: 'pem' });
  if (pem.length > MAX_PEM_CHARS || !pem.includes('-----BEGIN')) throw invalidPem('pem must be a PEM-encoded private key');
  let jwk: JsonWebKey;
  try {
    jwk = createPrivateKey({ key: pem, format: 'pem' }).export({ format: 'jwk' });
  } catch {
    throw invalidPem('pem is not a valid SEC1 or PKCS#8 private key (bad encoding, or a public point not on the curve)');
  }
  if (jwk.crv !== crv || typeof jwk.d !== 'string') throw invalidPem(`pem holds a ${jwk.crv ?? jwk.kty ?? 'different'} key, not ${type}`);
  const secretKey = new Uint8Array(Buffer.from(jwk.d, 'base64url'));
  const alg = signingAlgorithm(type)!;
  alg.assertSecretKey(secretKey);
  // The PEM's public key (if it carried one) must be the one the scalar actually yields.
  const derived = alg.toJwk(alg.publicKeyOf(secretKey));
  if (derived.x !== jwk.x || (derived.y !== undefined && derived.y !== jwk.y)) {
    wipe(secretKey);
    throw invalidPem('the public key embedded in pem does not match its private key');
  }
  return secretKey;
}

/**
 * The checks every imported secret passes, whatever carried it (raw hex, PEM, a wrapped blob): a
 * 32-byte scalar in [1, n-1], Ed25519 seed, AES-256 key or 32-64 byte HMAC key. Wipes the secret when it fails.
 */
export function assertImportedSecret(type: KeyType, secretKey: Uint8Array): void {
  try {
    const alg = signingAlgorithm(type);
    const size = symmetricKeyBytes(type);
    if (alg !== undefined) alg.assertSecretKey(secretKey);
    else if (size !== undefined && (secretKey.byteLength < size.min || secretKey.byteLength > size.max)) {
      const want = size.min === size.max ? `${size.min} bytes` : `${size.min} to ${size.max} bytes`;
      throw new StrongboxError('INVALID_KEY_MATERIAL', `privateKey must be a ${type} key of ${want}`, { field: 'privateKey' });
    }
  } catch (err) {
    wipe(secretKey);
    throw err;
  }
}

function secretFromRaw(type: KeyType, privateKey: string): Uint8Array {
  const size = symmetricKeyBytes(type) ?? signingAlgorithm(type)?.secretKeyBytes ?? { min: 32, max: 32 };
  const secretKey = parseHex(privateKey, size.min === size.max ? { field: 'privateKey', bytes: size.min } : { field: 'privateKey', minBytes: size.min, maxBytes: size.max });
  assertImportedSecret(type, secretKey);
  return secretKey;
}

/** Seals and stores a validated imported secret (origin `imported`), wiping it either way. */
export async function storeImportedKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, params: KeyMetadataParameters & { type: KeyType }, secretKey: Uint8Array): Promise<KeyInfo> {
  try {
    return await storeKey(ctx, { ...params, origin: 'imported', secretKey });
  } finally {
    wipe(secretKey);
  }
}

export async function importKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, params: ImportKeyParameters): Promise<KeyInfo> {
  assertKeyType(params.type);
  assertKeyMetadata(params.type, params);
  if ((params.privateKey === undefined) === (params.pem === undefined)) {
    throw new StrongboxError('INVALID_ARGUMENT', 'give exactly one of privateKey or pem', { field: params.pem === undefined ? 'privateKey' : 'pem' });
  }
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const secretKey = params.pem !== undefined ? secretFromPem(params.type, params.pem) : secretFromRaw(params.type, params.privateKey!);
  const { privateKey: _privateKey, pem: _pem, ...metadata } = params;
  return storeImportedKey(ctx, metadata, secretKey);
}
