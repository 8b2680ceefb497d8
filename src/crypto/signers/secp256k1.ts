/**
 * secp256k1 ECDSA over the native libsecp256k1 binding (the `secp256k1` package's prebuilt addon).
 * RFC 6979 deterministic nonces and low-S output come from libsecp256k1 itself. The package's
 * pure-JS fallback is deliberately not used: we load the native binding or refuse to start.
 */
import { createRequire } from 'node:module';
import { createPublicKey } from 'node:crypto';
import type * as Secp256k1 from 'secp256k1';
import { StrongboxError } from '../../protocol/errors.js';
import { randomBytes } from '../random.js';
import { wipe } from '../wipe.js';
import type { AsymmetricAlgorithm, LoadedSigner, SyncSigner, SignPayload, SignatureEncoding, SignatureResult, VerifyOptions } from './types.js';

const require = createRequire(import.meta.url);
/** The native addon; throws at import time when it is missing, rather than silently going 10× slower. */
export const native: typeof Secp256k1 = require('secp256k1/bindings.js');

function digestOf(payload: SignPayload): Uint8Array {
  if (payload.kind !== 'digest') throw new StrongboxError('INTERNAL', 'secp256k1 signs digests');
  return payload.digest;
}

function decodeSignature(signature: Uint8Array, encoding: SignatureEncoding): { compact: Uint8Array; recoveryId?: number } | undefined {
  try {
    switch (encoding) {
      case 'der':
        return { compact: native.signatureImport(signature) };
      case 'raw':
        return signature.byteLength === 64 ? { compact: signature.slice() } : undefined;
      case 'recoverable': {
        const v = signature[64];
        return signature.byteLength === 65 && (v === 0 || v === 1) ? { compact: signature.slice(0, 64), recoveryId: v } : undefined;
      }
    }
  } catch {
    return undefined;
  }
}

/** A verified 64-byte compact signature in the requested encoding. */
export function encodeSignature(signature: Uint8Array, recid: number, encoding: SignatureEncoding): SignatureResult {
  switch (encoding) {
    case 'der':
      return { signature: native.signatureExport(signature), recoveryId: recid };
    case 'raw':
      return { signature, recoveryId: recid };
    case 'recoverable': {
      const out = new Uint8Array(65);
      out.set(signature, 0);
      out[64] = recid;
      return { signature: out, recoveryId: recid };
    }
  }
}

/** A secp256k1 signer whose signing (and verify-before-release) runs on a pool worker thread. */
export function loadPooled(pool: { sign: (cacheId: string, digest: Uint8Array, material: () => { secretKey: Uint8Array; publicKey: Uint8Array }) => Promise<{ signature: Uint8Array; recid: number }>; evict: (cacheId: string) => void }, cacheId: string, secretKey: Uint8Array, publicKey: Uint8Array): LoadedSigner {
  const sk = secretKey.slice();
  return {
    async sign(payload, encoding) {
      const { signature, recid } = await pool.sign(cacheId, digestOf(payload), () => ({ secretKey: sk, publicKey }));
      return encodeSignature(signature, recid, encoding);
    },
    wipe() {
      wipe(sk);
      pool.evict(cacheId);
    },
  };
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export const secp256k1: AsymmetricAlgorithm = {
  type: 'secp256k1',
  hashes: ['sha256', 'keccak256'],
  encodings: ['der', 'raw', 'recoverable'],
  defaultEncoding: 'der',
  signsDigests: true,

  generateSecretKey() {
    // Rejection sampling: a uniformly random 32-byte string is a valid scalar with probability ≈ 1 - 2^-128.
    for (;;) {
      const sk = randomBytes(32);
      if (native.privateKeyVerify(sk)) return sk;
      wipe(sk);
    }
  },

  assertSecretKey(secretKey) {
    if (secretKey.byteLength !== 32 || !native.privateKeyVerify(secretKey)) {
      throw new StrongboxError('INVALID_KEY_MATERIAL', 'privateKey must be a secp256k1 scalar in [1, n-1]', { field: 'privateKey' });
    }
  },

  publicKeyOf(secretKey) {
    return native.publicKeyCreate(secretKey, false);
  },

  assertPublicKey(publicKey) {
    let valid = false;
    try {
      valid = (publicKey.byteLength === 33 || publicKey.byteLength === 65) && native.publicKeyVerify(publicKey);
    } catch {
      valid = false;
    }
    if (!valid) throw new StrongboxError('INVALID_KEY_MATERIAL', 'publicKey is not a valid secp256k1 point', { field: 'publicKey' });
  },

  load(secretKey: Uint8Array, publicKey: Uint8Array): SyncSigner {
    const sk = secretKey.slice();
    return {
      sign(payload, encoding): SignatureResult {
        const digest = digestOf(payload);
        const { signature, recid } = native.ecdsaSign(digest, sk);
        // Verify before release (GUIDE §10): a fault in signing must never leave the process.
        if (!native.ecdsaVerify(signature, digest, publicKey)) throw new StrongboxError('INTERNAL', 'signature failed self-verification');
        return encodeSignature(signature, recid, encoding);
      },
      wipe() {
        wipe(sk);
      },
    };
  },

  verify(publicKey, payload, signature, encoding, options: VerifyOptions = {}) {
    const digest = digestOf(payload);
    const decoded = decodeSignature(signature, encoding);
    if (decoded === undefined) return false;
    try {
      // libsecp256k1 verifies only low-S; standard ECDSA accepts either, so normalize a copy.
      const normalized = decoded.compact.slice();
      if (!options.requireLowS) native.signatureNormalize(normalized);
      if (!native.ecdsaVerify(normalized, digest, publicKey)) return false;
      if (decoded.recoveryId !== undefined) {
        // Recovery uses the signature as given: (r, n-s) recovers with the flipped id.
        const recovered = native.ecdsaRecover(decoded.compact, decoded.recoveryId, digest, false);
        return Buffer.compare(recovered, native.publicKeyConvert(publicKey, false)) === 0;
      }
      return true;
    } catch {
      return false;
    }
  },

  toSpki(publicKey) {
    return new Uint8Array(createPublicKey({ key: this.toJwk(publicKey), format: 'jwk' }).export({ type: 'spki', format: 'der' }));
  },

  toJwk(publicKey) {
    const uncompressed = native.publicKeyConvert(publicKey, false);
    return { kty: 'EC', crv: 'secp256k1', x: b64url(uncompressed.subarray(1, 33)), y: b64url(uncompressed.subarray(33, 65)) };
  },

  compress(publicKey) {
    return native.publicKeyConvert(publicKey, true);
  },
};
