/** Hash functions used by signers and addresses: SHA-256 from OpenSSL, Keccak-256 from @noble/hashes. */
import { createHash } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';

export function sha256(data: Uint8Array): Uint8Array {
  const d = createHash('sha256').update(data).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

/** Output length in bytes of each named hash. */
const DIGEST_BYTES = { sha256: 32, keccak256: 32, sha384: 48, sha512: 64 } as const;

export function digestBytes(hash: keyof typeof DIGEST_BYTES): number {
  return DIGEST_BYTES[hash];
}

/** The named hash of data (SHA-2 from OpenSSL, Keccak-256 from @noble/hashes). */
export function digestOf(hash: keyof typeof DIGEST_BYTES, data: Uint8Array): Uint8Array {
  if (hash === 'keccak256') return keccak256(data);
  const d = createHash(hash).update(data).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}
