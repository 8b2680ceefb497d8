/**
 * NIST P-256 ECDSA. Signing uses @noble/curves (audited) because it gives RFC 6979 deterministic
 * nonces, which Node 20's OpenSSL 3.0 does not expose; output is normalized to low-S like every
 * Strongbox ECDSA signature. Verification accepts any valid S unless low-S is required, as FIPS 186-5 does.
 */
import { createPublicKey } from 'node:crypto';
import { p256 as curve } from '@noble/curves/nist.js';
import { StrongboxError } from '../../protocol/errors.js';
import { randomBytes } from '../random.js';
import { wipe } from '../wipe.js';
import type { AsymmetricAlgorithm, LoadedSigner, SyncSigner, SignPayload, VerifyOptions } from './types.js';

const N = curve.Point.Fn.ORDER;

function digestOf(payload: SignPayload): Uint8Array {
  if (payload.kind !== 'digest') throw new StrongboxError('INTERNAL', 'p256 signs digests');
  return payload.digest;
}

function scalarOf(bytes: Uint8Array): bigint {
  return BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export const p256: AsymmetricAlgorithm = {
  type: 'p256',
  hashes: ['sha256'],
  encodings: ['der', 'raw'],
  defaultEncoding: 'der',
  signsDigests: true,

  generateSecretKey() {
    for (;;) {
      const sk = randomBytes(32);
      const d = scalarOf(sk);
      if (d > 0n && d < N) return sk;
      wipe(sk);
    }
  },

  assertSecretKey(secretKey) {
    const d = secretKey.byteLength === 32 ? scalarOf(secretKey) : 0n;
    if (d <= 0n || d >= N) throw new StrongboxError('INVALID_KEY_MATERIAL', 'privateKey must be a P-256 scalar in [1, n-1]', { field: 'privateKey' });
  },

  publicKeyOf(secretKey) {
    return curve.getPublicKey(secretKey, false);
  },

  assertPublicKey(publicKey) {
    try {
      curve.Point.fromBytes(publicKey).assertValidity();
    } catch {
      throw new StrongboxError('INVALID_KEY_MATERIAL', 'publicKey is not a valid P-256 point', { field: 'publicKey' });
    }
  },

  load(secretKey: Uint8Array, publicKey: Uint8Array): SyncSigner {
    const sk = secretKey.slice();
    return {
      sign(payload, encoding) {
        const digest = digestOf(payload);
        const compact = curve.sign(digest, sk, { prehash: false, lowS: true, format: 'compact' });
        if (!curve.verify(compact, digest, publicKey, { prehash: false, lowS: true, format: 'compact' })) {
          throw new StrongboxError('INTERNAL', 'signature failed self-verification');
        }
        return { signature: encoding === 'der' ? curve.Signature.fromBytes(compact, 'compact').toBytes('der') : compact };
      },
      wipe() {
        wipe(sk);
      },
    };
  },

  verify(publicKey, payload, signature, encoding, options: VerifyOptions = {}) {
    const digest = digestOf(payload);
    const format = encoding === 'der' ? 'der' : encoding === 'raw' ? 'compact' : undefined;
    if (format === undefined) return false;
    try {
      return curve.verify(signature, digest, publicKey, { prehash: false, lowS: options.requireLowS ?? false, format });
    } catch {
      return false;
    }
  },

  toSpki(publicKey) {
    return new Uint8Array(createPublicKey({ key: this.toJwk(publicKey), format: 'jwk' }).export({ type: 'spki', format: 'der' }));
  },

  toJwk(publicKey) {
    const uncompressed = curve.Point.fromBytes(publicKey).toBytes(false);
    return { kty: 'EC', crv: 'P-256', x: b64url(uncompressed.subarray(1, 33)), y: b64url(uncompressed.subarray(33, 65)) };
  },

  compress(publicKey) {
    return curve.Point.fromBytes(publicKey).toBytes(true);
  },
};
