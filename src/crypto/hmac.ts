/**
 * hmac256 keys: HMAC-SHA-256 (RFC 2104, FIPS 198-1) through node:crypto, and verification by
 * recomputing the MAC and comparing in constant time (crypto/compare.ts), never with `===`.
 * Key sizes follow AWS KMS HMAC_256 keys: generated keys are 32 bytes; imported keys 32 to 64
 * bytes (at least the output length, RFC 2104 §3; at most the SHA-256 block, so the key is used
 * as is rather than hashed first).
 */
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from './compare.js';
import { randomBytes } from './random.js';

export const HMAC_KEY_BYTES = 32;
export const HMAC_MIN_KEY_BYTES = 32;
export const HMAC_MAX_KEY_BYTES = 64;
export const HMAC_SHA256_BYTES = 32;

export function generateHmacKey(): Uint8Array {
  return randomBytes(HMAC_KEY_BYTES);
}

export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(message).digest());
}

/** True when `mac` is the HMAC-SHA-256 of `message` under `key` (constant-time compare; a wrong length is false). */
export function verifyHmacSha256(key: Uint8Array, message: Uint8Array, mac: Uint8Array): boolean {
  const expected = hmacSha256(key, message);
  try {
    return constantTimeEqual(expected, mac);
  } finally {
    expected.fill(0);
  }
}
