/** The one place that switches over key algorithms. */
import { StrongboxError } from '../protocol/errors.js';
import { ed25519 } from './signers/ed25519.js';
import { p256 } from './signers/p256.js';
import { secp256k1 } from './signers/secp256k1.js';
import { rsa2048, rsa3072, rsa4096 } from './signers/rsa.js';
import type { AsymmetricAlgorithm } from './signers/types.js';
import { generateAesKey } from './aes256.js';
import { generateHmacKey, HMAC_MAX_KEY_BYTES, HMAC_MIN_KEY_BYTES } from './hmac.js';

import type { KeyType } from '../protocol/types.js';

/** The signing algorithm of an asymmetric key type, or undefined for symmetric types. */
export function signingAlgorithm(type: KeyType): AsymmetricAlgorithm | undefined {
  switch (type) {
    case 'secp256k1':
      return secp256k1;
    case 'p256':
      return p256;
    case 'ed25519':
      return ed25519;
    case 'rsa2048':
      return rsa2048;
    case 'rsa3072':
      return rsa3072;
    case 'rsa4096':
      return rsa4096;
    case 'aes256':
    case 'hmac256':
      return undefined;
  }
}

/**
 * A new secret for a key of this type, from the CSPRNG (signing keys: their own generator). A promise
 * because RSA generation runs on the libuv threadpool (≈ 0.1-2 s), never on the event loop.
 */
export async function generateSecretKey(type: KeyType): Promise<Uint8Array> {
  switch (type) {
    case 'aes256':
      return generateAesKey();
    case 'hmac256':
      return generateHmacKey();
    default:
      return signingAlgorithm(type)!.generateSecretKey();
  }
}

/** Accepted lengths of imported secret material for the symmetric types (signing keys check their own). */
export function symmetricKeyBytes(type: KeyType): { min: number; max: number } | undefined {
  switch (type) {
    case 'aes256':
      return { min: 32, max: 32 };
    case 'hmac256':
      return { min: HMAC_MIN_KEY_BYTES, max: HMAC_MAX_KEY_BYTES };
    default:
      return undefined;
  }
}

/** RSA keys also decrypt (RSAES-OAEP); the other asymmetric types only sign. */
export function requireDecryptingAlgorithm(type: KeyType, operation: string): AsymmetricAlgorithm & Required<Pick<AsymmetricAlgorithm, 'encrypt'>> {
  const alg = signingAlgorithm(type);
  if (alg?.encrypt === undefined) throw new StrongboxError('UNSUPPORTED_OPERATION', `${type} keys cannot ${operation}`);
  return alg as AsymmetricAlgorithm & Required<Pick<AsymmetricAlgorithm, 'encrypt'>>;
}

/** hmac256 keys compute and verify MACs (and nothing else). */
export function isMacKey(type: KeyType): boolean {
  return type === 'hmac256';
}

export function requireSigningAlgorithm(type: KeyType, operation: string): AsymmetricAlgorithm {
  const alg = signingAlgorithm(type);
  if (alg === undefined) throw new StrongboxError('UNSUPPORTED_OPERATION', `${type} keys cannot ${operation}`);
  return alg;
}

export function isSymmetric(type: KeyType): boolean {
  return type === 'aes256';
}
