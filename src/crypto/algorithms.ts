/** The one place that switches over key algorithms. */
import { StrongboxError } from '../protocol/errors.js';
import { ed25519 } from './signers/ed25519.js';
import { p256 } from './signers/p256.js';
import { secp256k1 } from './signers/secp256k1.js';
import type { AsymmetricAlgorithm } from './signers/types.js';

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
    case 'aes256':
      return undefined;
  }
}

export function requireSigningAlgorithm(type: KeyType, operation: string): AsymmetricAlgorithm {
  const alg = signingAlgorithm(type);
  if (alg === undefined) throw new StrongboxError('UNSUPPORTED_OPERATION', `${type} keys cannot ${operation}`);
  return alg;
}

export function isSymmetric(type: KeyType): boolean {
  return type === 'aes256';
}
