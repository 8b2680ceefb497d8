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
