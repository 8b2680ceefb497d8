/**
 * Ed25519 (RFC 8032, PureEdDSA) over node:crypto/OpenSSL. The private key is the 32-byte seed;
 * it is wrapped into PKCS#8 only to build an OpenSSL KeyObject, which cannot be zeroized from JS
 * (docs/architecture.md, "Limits of zeroization").
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519 as edCurve } from '@noble/curves/ed25519.js';
import { StrongboxError } from '../../protocol/errors.js';
import { randomBytes } from '../random.js';
import type { AsymmetricAlgorithm, LoadedSigner, SyncSigner, SignPayload } from './types.js';

// RFC 8410 §7: PKCS#8 prefix for an Ed25519 private key, and the SPKI prefix for its public key.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function messageOf(payload: SignPayload): Uint8Array {
  if (payload.kind !== 'message') throw new StrongboxError('INTERNAL', 'ed25519 signs messages');
  return payload.message;
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  const der = Buffer.concat([PKCS8_PREFIX, seed]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

export const ed25519: AsymmetricAlgorithm = {
  type: 'ed25519',
  hashes: [],
  encodings: ['raw'],
  defaultEncoding: 'raw',
  signsDigests: false,

  generateSecretKey() {
    return randomBytes(32);
  },

  assertSecretKey(secretKey) {
    if (secretKey.byteLength !== 32) throw new StrongboxError('INVALID_KEY_MATERIAL', 'privateKey must be a 32-byte Ed25519 seed', { field: 'privateKey' });
  },

  publicKeyOf(secretKey) {
    const spki = createPublicKey(privateKeyObject(secretKey)).export({ type: 'spki', format: 'der' });
    return new Uint8Array(spki.subarray(SPKI_PREFIX.byteLength));
  },

  assertPublicKey(publicKey) {
    try {
      if (publicKey.byteLength !== 32) throw new Error('length');
      // OpenSSL imports any 32 bytes; decoding the point (canonical y, on the curve) is the real check.
      edCurve.Point.fromBytes(publicKey, false);
    } catch {
      throw new StrongboxError('INVALID_KEY_MATERIAL', 'publicKey is not a valid Ed25519 public key', { field: 'publicKey' });
    }
  },

  load(secretKey: Uint8Array, publicKey: Uint8Array): SyncSigner {
    let key: KeyObject | undefined = privateKeyObject(secretKey);
    const pub = publicKeyObject(publicKey);
    return {
      sign(payload) {
        if (key === undefined) throw new StrongboxError('SEALED');
        const message = messageOf(payload);
        const signature = new Uint8Array(nodeSign(null, message, key));
        if (!nodeVerify(null, message, pub, signature)) throw new StrongboxError('INTERNAL', 'signature failed self-verification');
        return { signature };
      },
      wipe() {
        // OpenSSL owns the key bytes; dropping the reference lets them be freed (not zeroized).
        key = undefined;
      },
    };
  },

  verify(publicKey, payload, signature, encoding) {
    if (encoding !== 'raw' || signature.byteLength !== 64) return false;
    try {
      return nodeVerify(null, messageOf(payload), publicKeyObject(publicKey), signature);
    } catch {
      return false;
    }
  },

  toSpki(publicKey) {
    return new Uint8Array(Buffer.concat([SPKI_PREFIX, publicKey]));
  },

  toJwk(publicKey) {
    return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') };
  },
};

